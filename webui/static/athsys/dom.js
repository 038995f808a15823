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
