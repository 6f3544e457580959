// The builder's layer-list box (st.components.v2): a plain textarea that tells Python its text while
// the user types (after a short pause), so every edit re-analyses without Ctrl+Enter. When Python
// sends a new version (another start, a what-if loaded, a link), that text replaces the box's.

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let area = parentElement.querySelector("textarea.vz-spec");
  if (!area) {
    const label = document.createElement("div");
    label.className = "vz-spec-label";
    label.textContent = data.label;
    area = document.createElement("textarea");
    area.className = "vz-spec";
    area.spellcheck = false;
    area.setAttribute("aria-label", data.label);
    parentElement.append(label, area);
    let timer = null;
    area.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => area.vzSend(area.value), area.vzPause);
    });
  }
  // the latest mount's sender; the time tells Python an edit from one it has already applied
  area.vzSend = (text) => setStateValue("edit", { text, at: Date.now() });
  area.vzPause = data.pause_ms;
  area.style.height = `${data.height}px`;
  if (area.dataset.version !== String(data.version)) {
    area.dataset.version = String(data.version);
    area.value = data.text;
  }
}
