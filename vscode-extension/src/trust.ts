// Workspace trust: a repository's files must never choose what the extension runs.
// Launch settings are machine-scoped (package.json), so a workspace's
// .vscode/settings.json cannot set them; a user setting such as
// "${workspaceFolder}/.venv/bin/python" can still point into the workspace, whose
// files the repository controls: in an untrusted workspace that is refused.
import * as path from "path";

/** The workspace folder that contains `command`, if any (lexically: a link inside
 * the folder is the repository's choice wherever it points). */
export function folderContaining(command: string, folders: readonly string[], platform: string = process.platform): string | undefined {
  const p = platform === "win32" ? path.win32 : path.posix;
  if (!p.isAbsolute(command)) {
    return undefined;
  }
  const norm = (s: string): string => {
    const r = p.resolve(s);
    return platform === "win32" ? r.toLowerCase() : r;
  };
  const cmd = norm(command);
  for (const folder of folders) {
    const f = norm(folder);
    const prefix = f.endsWith(p.sep) ? f : f + p.sep;
    if (cmd === f || cmd.startsWith(prefix)) {
      return folder;
    }
  }
  return undefined;
}

/** Why the server must not be started from `command` in this workspace, or undefined. */
export function untrustedLaunchProblem(command: string, folders: readonly string[], trusted: boolean, platform: string = process.platform): string | undefined {
  if (trusted) {
    return undefined;
  }
  const folder = folderContaining(command, folders, platform);
  if (folder === undefined) {
    return undefined;
  }
  return (
    `gozt-lint: not starting ${command}: it is inside the workspace folder ${folder}, which is not trusted, ` +
    "so the repository could have put any program there. Trust the workspace, or point goztLint.path or " +
    "goztLint.interpreter at a gozt-lint installed outside it."
  );
}
