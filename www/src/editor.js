// The policy editor: CodeMirror 6 with JSON, the policy's errors as lint marks at their
// line and column (with code and path), and completion of property names and enum values
// from policy.schema.json.

import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { json } from "@codemirror/lang-json";
import { syntaxTree, syntaxHighlighting, defaultHighlightStyle, bracketMatching, foldGutter } from "@codemirror/language";
import { linter, lintGutter, forceLinting } from "@codemirror/lint";
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import schema from "../../policy.schema.json";

/** The schema node at `$ref`. */
function resolve(node) {
  let n = node;
  for (let i = 0; n && n.$ref && i < 8; i++) n = schema.$defs[n.$ref.replace("#/$defs/", "")];
  return n;
}

/** The schema of the value at a path of keys (numbers for array items). */
function schemaAt(path) {
  let node = schema;
  for (const key of path) {
    node = resolve(node);
    if (!node) return null;
    if (typeof key === "number") node = node.items;
    else if (node.properties && node.properties[key]) node = node.properties[key];
    else if (node.additionalProperties && typeof node.additionalProperties === "object") node = node.additionalProperties;
    else return null;
  }
  return resolve(node);
}

/** The keys from the document's root to the object that contains `pos`. */
function pathAt(state, pos) {
  const path = [];
  let node = syntaxTree(state).resolveInner(pos, -1);
  for (; node; node = node.parent) {
    if (node.name === "Property") {
      const name = node.getChild("PropertyName");
      if (name && !(name.from <= pos && pos <= name.to)) path.unshift(JSON.parse(state.sliceDoc(name.from, name.to)));
    } else if (node.name === "Array") {
      path.unshift(0);
    }
  }
  return path;
}

function completeFromSchema(context) {
  const word = context.matchBefore(/"[\w.:*/{} -]*"?|[\w]*/);
  if (!word || (word.from === word.to && !context.explicit)) return null;
  const tree = syntaxTree(context.state).resolveInner(context.pos, -1);
  const inName = tree.name === "PropertyName" || (tree.name === "Object" || tree.parent?.name === "Object");
  const path = pathAt(context.state, context.pos);
  const node = schemaAt(path);
  if (!node) return null;
  const options = [];
  if (inName && node.properties) {
    for (const [key, value] of Object.entries(node.properties)) {
      options.push({ label: JSON.stringify(key), type: "property", detail: resolve(value)?.type ?? "", info: resolve(value)?.description });
    }
  }
  if (!inName && node.enum) for (const v of node.enum) options.push({ label: JSON.stringify(v), type: "enum" });
  if (!options.length) return null;
  return { from: word.from, options, validFor: /^"?[\w.:*/{} -]*"?$/ };
}

/**
 * A policy editor in `parent`. `onChange(text)` runs on every edit; `diagnostics()` gives the
 * current errors (`{line, column, code, path, message}`) for the lint marks.
 */
export function createEditor(parent, text, { onChange, diagnostics }) {
  const lint = linter(
    (view) =>
      diagnostics().map((d) => {
        const doc = view.state.doc;
        const line = doc.line(Math.min(Math.max(d.line ?? 1, 1), doc.lines));
        const from = Math.min(line.from + Math.max((d.column ?? 1) - 1, 0), line.to);
        const to = Math.min(Math.max(from + 1, line.to), doc.length);
        return { from, to: Math.max(to, from), severity: d.severity === "warning" ? "warning" : "error", message: `${d.code} at ${d.path || "(document)"}: ${d.message}` };
      }),
    { delay: 50 },
  );
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        foldGutter(),
        drawSelection(),
        history(),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle),
        json(),
        lintGutter(),
        lint,
        autocompletion({ override: [completeFromSchema] }),
        keymap.of([indentWithTab, ...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap]),
        EditorView.contentAttributes.of({ "aria-label": "Policy (JSON)" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    relint: () => forceLinting(view),
    setText(next) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } });
    },
    /** Puts the cursor at a line and column and scrolls there. */
    goTo(line, column = 1) {
      const doc = view.state.doc;
      const l = doc.line(Math.min(Math.max(line ?? 1, 1), doc.lines));
      const pos = Math.min(l.from + Math.max(column - 1, 0), l.to);
      view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
      view.focus();
    },
    destroy: () => view.destroy(),
  };
}
