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

// The console's message line (#field-message): an error by default, "" hides it.
export function say(text, tone = "danger") {
  const box = document.getElementById("field-message");
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
  return { status: response.status, answer: await response.json().catch(() => ({})) };
}

// The data of a successful answer, or an Error carrying the server's message.
export async function fetchData(url, options) {
  const { status, answer } = await send(url, options);
  if (status === 401) throw new Error("your session has ended: log in again");
  if (!answer.success) throw new Error(answer.error?.message || `error ${status}`);
  return answer.data;
}
