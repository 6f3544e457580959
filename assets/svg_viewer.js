// A small viewer for the server-laid-out SVG diagrams (st.components.v2): it opens fitted to the
// space left in the window, zooms with the wheel or the buttons, pans by dragging, and a click on a
// box shows its numbers (and tells Python which box, for expanding a collapsed block).
// Given several layouts of one diagram (data.layouts), it shows the one drawn largest in its space;
// with data.fill (presentation mode) that space is all the window has left, in width and height.
// The SVG stays in the DOM as text, so screen readers and browser tests read the labels.

const MIN_WHOLE_PX = 8; // labels smaller than this when fitted whole: too big to show whole ...
const READING_PX = 14; // ... so open at this label size instead, from the top

function viewBoxSize(svgText) {
  const m = /viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"/.exec(svgText);
  return m ? [parseFloat(m[1]), parseFloat(m[2])] : [1, 1];
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let root = parentElement.querySelector(".vz-viewer");
  if (root && root.dataset.key === data.key) return; // same picture: keep the reader's zoom and pan
  if (!root) {
    root = document.createElement("div");
    root.className = "vz-viewer";
    parentElement.appendChild(root);
  }
  root.dataset.key = data.key;
  root.innerHTML =
    '<div class="vz-tools">' +
    '<button type="button" data-act="fit" title="Fit to the window (double-click does too)">Fit</button>' +
    '<button type="button" data-act="in" title="Zoom in">+</button>' +
    '<button type="button" data-act="out" title="Zoom out">&minus;</button>' +
    '<button type="button" data-act="one" title="Actual size">1:1</button>' +
    '<span class="vz-hint">scroll to zoom, drag to pan, click a box for its numbers</span></div>' +
    '<div class="vz-stage" role="img"></div><div class="vz-info" aria-live="polite"></div>';
  const stage = root.querySelector(".vz-stage");
  const info = root.querySelector(".vz-info");
  let svg = null; // the diagram on show, and its size in SVG units
  let width = 0;
  let height = 0;
  const layouts = data.layouts && data.layouts.length ? data.layouts : [{ name: "", svg: data.svg }];
  size();
  const room = [stage.clientWidth - 8, stage.clientHeight - 8];
  let chosen = layouts[0];
  let best = 0;
  for (const layout of layouts) {
    const [w, h] = viewBoxSize(layout.svg);
    const s = Math.min(room[0] / w, room[1] / h);
    if (s > best * 1.001) [chosen, best] = [layout, s]; // a tie keeps the earlier one
  }
  root.dataset.layout = chosen.name;
  if (chosen.name) root.querySelector(".vz-hint").textContent += ` · laid out ${chosen.name}, the largest for this screen`;
  stage.innerHTML = chosen.svg;
  svg = stage.querySelector("svg");
  if (!svg) return;
  stage.setAttribute("aria-label", data.title || "diagram");
  const box = svg.viewBox.baseVal;
  width = box && box.width ? box.width : svg.getBBox().width;
  height = box && box.height ? box.height : svg.getBBox().height;
  svg.setAttribute("width", width); // one SVG unit = one CSS pixel at scale 1
  svg.setAttribute("height", height);
  const first = svg.querySelector("g.node text");
  const labelUnits = (first && parseFloat(first.getAttribute("font-size"))) || 14; // the first box's label
  const view = { s: 1, x: 0, y: 0 };

  function apply() {
    svg.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.s})`;
  }

  function size() {
    const top = stage.getBoundingClientRect().top + window.scrollY;
    const room = window.innerHeight - top - 56; // the info line below stays on screen too
    const wanted = data.height || Math.max(room, 200);
    const natural = svg ? Math.max(height * 2.5, 240) : wanted; // a short diagram needs no tall frame ...
    stage.style.height = `${Math.round(data.fill ? wanted : Math.min(wanted, natural))}px`; // ... unless it fills the screen
  }

  function fit() {
    size();
    const w = stage.clientWidth - 8;
    const h = stage.clientHeight - 8;
    let s = Math.min(w / width, h / height, data.max_scale || 2.5);
    if (s * labelUnits < MIN_WHOLE_PX) s = READING_PX / labelUnits;
    view.s = s;
    view.x = Math.max((w - width * s) / 2, 0) + 4;
    view.y = Math.max((h - height * s) / 2, 0) + 4;
    apply();
    root.dataset.scale = s.toFixed(3);
  }

  function zoom(factor, cx, cy) {
    const s = Math.min(Math.max(view.s * factor, 0.05), 8);
    view.x = cx - (cx - view.x) * (s / view.s);
    view.y = cy - (cy - view.y) * (s / view.s);
    view.s = s;
    apply();
  }

  root.querySelector(".vz-tools").addEventListener("click", (event) => {
    const act = event.target.dataset && event.target.dataset.act;
    const c = [stage.clientWidth / 2, stage.clientHeight / 2];
    if (act === "fit") fit();
    if (act === "in") zoom(1.25, ...c);
    if (act === "out") zoom(0.8, ...c);
    if (act === "one") zoom(1 / view.s, ...c);
  });
  stage.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const r = stage.getBoundingClientRect();
      zoom(Math.exp(-event.deltaY * 0.0015), event.clientX - r.left, event.clientY - r.top);
    },
    { passive: false },
  );
  let drag = null;
  stage.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y, moved: false };
  });
  window.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
    if (!drag.moved) return;
    view.x = drag.vx + dx;
    view.y = drag.vy + dy;
    apply();
  });
  window.addEventListener("pointerup", () => {
    setTimeout(() => (drag = null), 0);
  });
  stage.addEventListener("dblclick", fit);
  stage.addEventListener("click", (event) => {
    if (drag && drag.moved) return;
    const node = event.target.closest ? event.target.closest("g.node") : null;
    if (!node) return;
    stage.querySelectorAll("g.node.vz-picked").forEach((g) => g.classList.remove("vz-picked"));
    node.classList.add("vz-picked");
    const d = (data.details || {})[node.id];
    if (d && d.text) {
      info.textContent = d.text; // a box that says itself in one line (a diff's before -> after)
    } else if (d) {
      const parts = [`${d.name}: ${d.label}`, `output ${d.output}`];
      if (d.params) parts.push(`${d.params} params`, `${d.macs} MACs`, d.memory);
      if (d.rf) parts.push(`receptive field ${d.rf}`);
      if (d.folded) parts.push(`with ${d.folded}`);
      info.textContent = parts.join(" · ");
    }
    setStateValue("selected", node.id);
  });
  requestAnimationFrame(fit);
}
