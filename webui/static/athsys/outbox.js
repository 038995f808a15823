// What an official typed, kept until the server has answered it.
//
// Each write is stored in the browser (localStorage, one queue per console and heat) before
// it is sent, and sent again until the server answers: a tablet that loses the network
// keeps every write, shows how many are unsent, and sends them in order when the network
// returns. The consoles' writes are idempotent (an attempt carries its number, an outcome
// or a check-in sent twice changes nothing the second time), so a write that reached the
// server but whose answer was lost is safe to send again.

const RETRY_MS = 5000;

export class Outbox {
  // send(item) -> Promise<{status, answer}>; onAnswer(item, status, answer) for each answer
  // the server gave (2xx or 4xx); onChange(count) whenever the number of unsent writes moves;
  // onOffline(count) when the network failed and the writes are kept.
  constructor(key, { send, onAnswer, onChange, onOffline, onSignedOut }) {
    this.key = key;
    this.send = send;
    this.onAnswer = onAnswer;
    this.onChange = onChange;
    this.onOffline = onOffline;
    this.onSignedOut = onSignedOut;
    this.items = JSON.parse(localStorage.getItem(key) || "[]");
    this.sending = false;
    window.addEventListener("online", () => this.flush());
    this.changed();
  }

  get length() {
    return this.items.length;
  }

  filter(test) {
    return this.items.filter(test);
  }

  push(item) {
    this.items.push(item);
    this.changed();
    return this.flush();
  }

  changed() {
    localStorage.setItem(this.key, JSON.stringify(this.items));
    this.onChange(this.items.length);
  }

  async flush() {
    if (this.sending || !this.items.length) return;
    this.sending = true;
    try {
      while (this.items.length) {
        const { status, answer } = await this.send(this.items[0]);
        if (status === 401) { this.onSignedOut(); break; }
        if (status >= 500 || status === 429) { setTimeout(() => this.flush(), RETRY_MS); break; }
        const [item] = this.items.splice(0, 1);
        this.changed();
        await this.onAnswer(item, status, answer);
      }
    } catch {
      this.onOffline(this.items.length);
      setTimeout(() => this.flush(), RETRY_MS);
    } finally {
      this.sending = false;
    }
  }
}
