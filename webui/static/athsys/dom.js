// What every page script of ours shares: building elements (text set with textContent only:
// names and clubs are data typed by registrants) and the consoles' message line.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

const TOAST_MS = 5000;

// A short notice in the corner that goes by itself ("Bib 305 checked in"); a "danger" one
// stays until closed. Read out by screen readers (a polite live region).
export function toast(text, tone = "success") {
  let shelf = document.getElementById("athsys-toasts");
  if (!shelf) {
    shelf = el("div", { id: "athsys-toasts", class: "athsys-toasts", role: "status",
                        "aria-live": "polite" });
    document.body.append(shelf);
  }
  const close = el("button", { type: "button", class: "close", "aria-label": "Close",
                               text: "×" });
  const note = el("div", { class: `athsys-toast alert alert-${tone}` }, close,
                  el("span", { text }));
  close.addEventListener("click", () => note.remove());
  shelf.append(note);
  if (tone !== "danger") setTimeout(() => note.remove(), TOAST_MS);
}

// The console's message line (#field-message): an error or warning stays there until the
// next message ("" hides it); a success is a toast.
export function say(text, tone = "danger") {
  const box = document.getElementById("field-message");
  if (text && tone === "success") {
    box.hidden = true;
    toast(text);
    return;
  }
  box.textContent = text;
  box.className = `field-message alert alert-${tone}`;
  box.hidden = !text;
}

// A request to our API as the signed-in user, with the page's CSRF token: {status, answer}.
// Throws only when the network fails (the outbox keeps the write then).
export async function send(url, { method = "GET", body = undefined } = {}) {
  const response = await fetch(url, {
    method, credentials: "same-origin",
    headers: { Accept: "application/json", "Content-Type": "application/json",
               "X-CSRFToken": document.querySelector("[data-csrf]")?.dataset.csrf ?? "" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, answer: await response.json().catch(() => ({})),
           retryAfter: response.headers.get("Retry-After") };
}

// What to tell an official when the server says no for a reason other than the input.
export function refusal(status, answer, retryAfter = null) {
  const said = answer.error?.message;
  if (status === 401) return "Your session has ended: log in again (nothing typed here is lost).";
  if (status === 403) {
    return `Your role may not do this${said ? ` (${said})` : ""}: ask the meet director.`;
  }
  if (status === 429) {
    return `Too many requests: wait ${retryAfter || "a few"} seconds and try again.`;
  }
  return said || `error ${status}`;
}

// The data of a successful answer, or an Error carrying the message for the official.
export async function fetchData(url, options) {
  const { status, answer, retryAfter } = await send(url, options);
  if (status === 401 || !answer.success) throw new Error(refusal(status, answer, retryAfter));
  return answer.data;
}
