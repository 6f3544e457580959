// The Convolution page's player (st.components.v2): frames of the kernel sliding, as SVG, shown one
// after another. It plays as it opens; a click pauses or resumes; the left and right arrow keys step.
// With data.fill (presentation mode) each frame is scaled up to the room the window has left.

export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector(".vz-conv");
  if (root && root.dataset.key === data.key) return; // same settings: keep playing where it is
  if (!root) {
    root = document.createElement("div");
    root.className = "vz-conv";
    root.tabIndex = 0;
    parentElement.appendChild(root);
  }
  if (root._timer) clearInterval(root._timer);
  root.dataset.key = data.key;
  root.innerHTML = '<div class="vz-conv-stage"></div><div class="vz-conv-status" aria-live="polite"></div>';
  const stage = root.querySelector(".vz-conv-stage");
  const status = root.querySelector(".vz-conv-status");
  const frames = data.frames;
  let index = 0;
  let playing = true;

  const show = () => {
    stage.innerHTML = frames[index];
    const svg = stage.querySelector("svg");
    if (data.fill && svg) {
      // presentation mode: the frame as large as the window's width and the height left below it allow
      const room = window.innerHeight - stage.getBoundingClientRect().top - 48; // the status line stays on screen
      svg.style.width = "100%";
      svg.style.height = `${Math.max(room, 240)}px`;
    }
    status.textContent =
      `frame ${index + 1} of ${frames.length}, ` +
      (playing ? "playing: click to pause" : "paused: click to play, ← → to step");
  };
  const step = (by) => {
    index = (index + by + frames.length) % frames.length;
    show();
  };
  const play = (on) => {
    playing = on;
    if (root._timer) clearInterval(root._timer);
    root._timer = on ? setInterval(() => step(1), data.ms) : null;
    show();
  };
  root.onclick = () => play(!playing);
  root._key = (event) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    event.preventDefault();
    play(false);
    step(event.key === "ArrowRight" ? 1 : -1);
  };
  // one listener on the document: the arrow keys work without a click first, unless the reader is typing
  if (!window.__vzConvKeys) {
    window.__vzConvKeys = true;
    document.addEventListener("keydown", (event) => {
      const player = window.__vzConvPlayer; // inside the component's shadow root, out of querySelector's reach
      const typing = event.target && /INPUT|TEXTAREA|SELECT/.test(event.target.tagName || "");
      if (player && player.isConnected && !typing) player._key(event);
    });
  }
  window.__vzConvPlayer = root;
  play(true);
}
