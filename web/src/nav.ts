// Links the app makes itself: history.pushState plus an event the App listens to.
export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  dispatchEvent(new Event("procscope:navigate"));
}
