import { escapeControl } from "../../bytes.js";
import type { Process } from "../../model/process.js";
import { commandText } from "../../processes/format.js";
import type { TreeNode } from "../../processes/tree.js";

type ProcessNode = TreeNode<Pick<Process, "pid" | "user" | "comm" | "cmdline">>;

export interface TreeOptions {
  readonly unicode: boolean;
  readonly width: number | undefined;
}

/** pstree-like text: "├─ 123 user command". */
export function renderTree(forest: readonly ProcessNode[], options: TreeOptions): string {
  const [branch, last, pipe, blank] = options.unicode ? ["├─ ", "└─ ", "│  ", "   "] : ["|- ", "`- ", "|  ", "   "];
  const lines: string[] = [];
  const walk = (node: ProcessNode, prefix: string, connector: string, childPrefix: string): void => {
    const p = node.process;
    let line = `${prefix}${connector}${p.pid} ${escapeControl(p.user ?? "?")} ${escapeControl(commandText(p))}`;
    if (options.width !== undefined && line.length > options.width) line = line.slice(0, options.width);
    lines.push(line);
    node.children.forEach((child, i) => {
      const isLast = i === node.children.length - 1;
      walk(child, prefix + childPrefix, isLast ? last : branch, isLast ? blank : pipe);
    });
  };
  for (const root of forest) walk(root, "", "", "");
  return lines.length ? `${lines.join("\n")}\n` : "";
}
