// The story body's own blocks for the admin editor (django-prose-editor, on Tiptap/ProseMirror): quotes with
// an attribution and a pull-quote switch, fact boxes, embeds stored as their URL, and pictures from the
// library. Each renders exactly the markup articles/body.py keeps; anything else pasted in is dropped by
// ProseMirror's schema, and the server sanitises again whatever arrives.
import { Extension, Node, gettext, mergeAttributes, updateAttrsDialog } from "django-prose-editor/editor"

// Tiptap injects its base styles as an inline <style>, which the admin's Content-Security-Policy refuses;
// static/css/body_editor.css (the widget's media) has them instead. Runs before the editor mounts.
export const StylesFromThisSite = Extension.create({
  name: "stylesFromThisSite",
  onBeforeCreate() {
    this.editor.options.injectCSS = false
  },
})

export const Citation = Node.create({
  name: "citation",
  content: "text*",
  marks: "",
  defining: true,
  parseHTML() {
    return [{ tag: "blockquote > cite" }]
  },
  renderHTML() {
    return ["cite", 0]
  },
  addKeyboardShortcuts() {
    return {
      // The attribution ends the quote: Enter goes on with the story in a paragraph after it (ProseMirror
      // would otherwise try to split the attribution, which a quote cannot hold twice, and do nothing).
      Enter: ({ editor }) => {
        const { $from } = editor.state.selection
        if ($from.parent.type.name !== this.name) return false
        const afterQuote = $from.after($from.depth - 1)
        return editor
          .chain()
          .command(({ tr, state }) => {
            tr.insert(afterQuote, state.schema.nodes.paragraph.create())
            return true
          })
          .setTextSelection(afterQuote + 1)
          .run()
      },
    }
  },
})

export const Quote = Node.create({
  name: "blockquote",
  group: "block",
  content: "paragraph+ citation?",
  defining: true,
  addAttributes() {
    return {
      pull: {
        default: false,
        parseHTML: (element) => element.classList.contains("pull-quote"),
        renderHTML: (attributes) => (attributes.pull ? { class: "pull-quote" } : {}),
      },
    }
  },
  parseHTML() {
    return [{ tag: "blockquote" }]
  },
  renderHTML({ HTMLAttributes }) {
    return ["blockquote", HTMLAttributes, 0]
  },
  addCommands() {
    return {
      toggleQuote:
        () =>
        ({ commands }) =>
          commands.toggleWrap(this.name),
      // The names Tiptap's own blockquote has, which the editor's menus call.
      toggleBlockquote:
        () =>
        ({ commands }) =>
          commands.toggleWrap(this.name),
      setBlockquote:
        () =>
        ({ commands }) =>
          commands.wrapIn(this.name),
      unsetBlockquote:
        () =>
        ({ commands }) =>
          commands.lift(this.name),
      addAttribution:
        () =>
        ({ state, chain }) => {
          const { $from } = state.selection
          for (let depth = $from.depth; depth > 0; depth--) {
            const node = $from.node(depth)
            if (node.type.name === this.name) {
              if (node.lastChild?.type.name === "citation") return false
              const end = $from.end(depth)
              const placeholder = gettext("Who said it")
              // The placeholder is selected, so what the editor types next replaces it.
              return chain()
                .insertContentAt(end, { type: "citation", content: [{ type: "text", text: placeholder }] })
                .setTextSelection({ from: end + 1, to: end + 1 + placeholder.length })
                .run()
            }
          }
          return false
        },
      togglePullQuote:
        () =>
        ({ editor, chain }) => {
          // A paragraph becomes a pull quote at once (editor.getAttributes reads the state before this command).
          if (!editor.isActive(this.name)) {
            return chain().wrapIn(this.name).updateAttributes(this.name, { pull: true }).run()
          }
          return chain().updateAttributes(this.name, { pull: !editor.getAttributes(this.name).pull }).run()
        },
    }
  },
  addKeyboardShortcuts() {
    return {
      // Enter at the end of a quoted paragraph starts another paragraph of the quote. ProseMirror's own Enter
      // would start the block the quote's content takes next by its own ordering, the attribution.
      Enter: ({ editor }) => {
        const { $from, empty } = editor.state.selection
        const paragraph = $from.parent
        const inQuote = paragraph.type.name === "paragraph" && $from.node($from.depth - 1).type.name === this.name
        if (!empty || !inQuote || !paragraph.content.size || $from.parentOffset < paragraph.content.size) return false
        return editor.commands.command(({ tr, state }) => {
          tr.split($from.pos, 1, [{ type: state.schema.nodes.paragraph }])
          return true
        })
      },
      "Mod-Shift-b": () => this.editor.commands.toggleQuote(),
      "Mod-Shift-p": () => this.editor.commands.togglePullQuote(),
    }
  },
  addMenuItems({ buttons, menu }) {
    // Named as django-prose-editor's own quote button, which this one replaces (one quote button, not two).
    menu.defineItem({
      name: "blockquote",
      groups: "nodes",
      command: (editor) => editor.chain().focus().toggleQuote().run(),
      button: buttons.material("format_quote", gettext("Quote (Ctrl+Shift+B)")),
      active: (editor) => editor.isActive(this.name) && !editor.getAttributes(this.name).pull,
    })
    menu.defineItem({
      name: "attribution",
      groups: "nodes",
      command: (editor) => editor.chain().focus().addAttribution().run(),
      button: buttons.material("record_voice_over", gettext("Add who is quoted")),
      enabled: (editor) => editor.isActive(this.name),
    })
    menu.defineItem({
      name: "pullQuote",
      groups: "nodes",
      command: (editor) => editor.chain().focus().togglePullQuote().run(),
      button: buttons.material("format_quote_off", gettext("Pull quote (Ctrl+Shift+P)")),
      active: (editor) => editor.isActive(this.name) && editor.getAttributes(this.name).pull,
    })
  },
})

export const FactBox = Node.create({
  name: "factBox",
  group: "block",
  // What articles/body.py keeps in a fact box, in any order: a heading typed first must not need a paragraph
  // after it already (Tiptap would then lift the heading out of the box). Paragraph first, as the block
  // Enter starts after a heading.
  content: "(paragraph | heading | bulletList | orderedList)+",
  defining: true,
  parseHTML() {
    return [{ tag: "aside.fact-box" }]
  },
  renderHTML({ HTMLAttributes }) {
    return ["aside", mergeAttributes(HTMLAttributes, { class: "fact-box" }), 0]
  },
  addCommands() {
    return {
      toggleFactBox:
        () =>
        ({ commands }) =>
          commands.toggleWrap(this.name),
    }
  },
  addMenuItems({ buttons, menu }) {
    menu.defineItem({
      name: "factBox",
      groups: "nodes",
      command: (editor) => editor.chain().focus().toggleFactBox().run(),
      button: buttons.material("info", gettext("Fact box")),
      active: (editor) => editor.isActive(this.name),
    })
  },
})

// Inserts an embed or a picture and puts the cursor in the paragraph after it (a new one at the end of the body).
// Left selected, as Tiptap leaves a block inserted last, the block would be replaced by the next key typed.
const insertBlockAndGoOn = (editor, content) =>
  editor
    .chain()
    .focus()
    .insertContent(content)
    .command(({ tr, state, commands }) => {
      const block = tr.selection.node
      if (block?.type.name !== content.type) return true
      const after = tr.selection.to
      if (!tr.doc.resolve(after).nodeAfter?.isTextblock) tr.insert(after, state.schema.nodes.paragraph.create())
      return commands.setTextSelection(after + 1)
    })
    .run()

const embedDialog = updateAttrsDialog(
  {
    url: { type: "string", title: gettext("Address of the post or video (https://…)"), format: "url", required: true },
    label: { type: "string", title: gettext("What it is, for readers") },
    caption: { type: "string", title: gettext("Caption (optional)") },
  },
  { title: gettext("Embed a post or video"), submitText: gettext("Insert") },
)

export const Embed = Node.create({
  name: "embed",
  group: "block",
  atom: true,
  draggable: true,
  addAttributes() {
    return {
      url: { default: "" },
      label: { default: "" },
      caption: { default: "" },
    }
  },
  parseHTML() {
    return [
      {
        tag: "figure.embed",
        getAttrs: (element) => {
          const link = element.querySelector("a[href]")
          if (!link) return false
          return {
            url: link.getAttribute("href"),
            label: link.textContent.trim(),
            caption: element.querySelector("figcaption")?.textContent.trim() || "",
          }
        },
      },
    ]
  },
  renderHTML({ node }) {
    const { url, label, caption } = node.attrs
    const parts = [["a", { href: url }, label || url]]
    if (caption) parts.push(["figcaption", caption])
    return ["figure", { class: "embed" }, ...parts]
  },
  // In the editor the embed is shown as text, not as the stored link: a click on a link inside the editor's
  // non-editable blocks is followed, and would take the editor away from the story being written.
  addNodeView() {
    return ({ node }) => {
      const dom = document.createElement("figure")
      dom.className = "body-editor-embed"
      const label = document.createElement("strong")
      label.textContent = node.attrs.label || node.attrs.url
      const address = document.createElement("span")
      address.textContent = node.attrs.url
      dom.append(label, address)
      if (node.attrs.caption) {
        const caption = document.createElement("figcaption")
        caption.textContent = node.attrs.caption
        dom.append(caption)
      }
      return { dom }
    }
  },
  addCommands() {
    return {
      insertEmbed:
        () =>
        ({ editor }) => {
          embedDialog(editor, {}).then((attrs) => {
            const url = attrs?.url?.trim()
            if (!url || !/^https?:\/\//i.test(url)) return
            insertBlockAndGoOn(editor, {
              type: this.name,
              attrs: { url, label: attrs.label.trim(), caption: attrs.caption.trim() },
            })
          })
          return true
        },
    }
  },
  addMenuItems({ buttons, menu }) {
    menu.defineItem({
      name: "embed",
      groups: "nodes",
      command: (editor) => editor.commands.insertEmbed(),
      button: buttons.material("smart_display", gettext("Embed a post or video")),
    })
  },
})

// The editable area takes the form field's label as its accessible name ("Body:"), as the textarea had.
document.addEventListener("prose-editor:ready", (event) => {
  const { editor, textarea } = event.detail
  const label = textarea.id && document.querySelector(`label[for="${textarea.id}"]`)
  if (label) editor.view.dom.setAttribute("aria-label", label.textContent.trim())
})

// Pictures come from the library: the toolbar button opens the library's list as the admin's usual chooser
// window (search, thumbnails, upload), and the chosen one is inserted with its caption, which editors may
// change for this story. The library's credit is added on the page.
const adminRoot = () => window.location.pathname.split("/articles/")[0] + "/"
const pictureSummary = (id) =>
  fetch(`${adminRoot()}pictures/picture/${id}/summary/`, { credentials: "same-origin" }).then((response) =>
    response.ok ? response.json() : null,
  )
const choosing = new Map()

export const Picture = Node.create({
  name: "picture",
  group: "block",
  atom: true,
  draggable: true,
  addAttributes() {
    return {
      image: { default: null },
      caption: { default: "" },
    }
  },
  parseHTML() {
    return [
      {
        tag: "figure.picture",
        getAttrs: (element) => {
          const image = element.getAttribute("data-image")
          if (!/^\d+$/.test(image || "")) return false
          return { image, caption: element.querySelector("figcaption")?.textContent.trim() || "" }
        },
      },
    ]
  },
  renderHTML({ node }) {
    const parts = node.attrs.caption ? [["figcaption", node.attrs.caption]] : []
    return ["figure", { class: "picture", "data-image": node.attrs.image }, ...parts]
  },
  addNodeView() {
    return ({ node }) => {
      const dom = document.createElement("figure")
      dom.className = "body-editor-picture"
      const image = document.createElement("img")
      image.alt = ""
      image.width = 240
      const caption = document.createElement("figcaption")
      caption.textContent = node.attrs.caption || gettext("(no caption)")
      dom.append(image, caption)
      pictureSummary(node.attrs.image).then((summary) => {
        if (summary) image.src = summary.thumbnail
      })
      return { dom }
    }
  },
  addCommands() {
    return {
      choosePicture:
        () =>
        ({ editor }) => {
          const name = `body_picture__${choosing.size + 1}`
          choosing.set(name, editor)
          const chooser = window.open(
            `${adminRoot()}pictures/picture/?_to_field=id&_popup=1`,
            name,
            "height=700,width=1000,resizable=yes,scrollbars=yes",
          )
          chooser?.focus()
          return true
        },
      insertPicture:
        (image) =>
        ({ editor }) => {
          pictureSummary(image).then((summary) => {
            if (!summary) return
            insertBlockAndGoOn(editor, {
              type: this.name,
              attrs: { image: String(summary.id), caption: summary.caption },
            })
          })
          return true
        },
      editPictureCaption:
        () =>
        ({ editor }) => {
          const { caption } = editor.getAttributes(this.name)
          updateAttrsDialog(
            { caption: { type: "string", title: gettext("Caption for this story") } },
            { title: gettext("Picture caption"), submitText: gettext("Update") },
          )(editor, { caption }).then((attrs) => {
            if (attrs) editor.chain().focus().updateAttributes(this.name, { caption: attrs.caption.trim() }).run()
          })
          return true
        },
    }
  },
  addMenuItems({ buttons, menu }) {
    menu.defineItem({
      name: "picture",
      groups: "nodes",
      command: (editor) => editor.commands.choosePicture(),
      button: buttons.material("add_photo_alternate", gettext("Picture from the library")),
    })
    menu.defineItem({
      name: "pictureCaption",
      groups: "nodes",
      command: (editor) => editor.commands.editPictureCaption(),
      button: buttons.material("short_text", gettext("Picture caption")),
      hidden: (editor) => !editor.isActive(this.name),
    })
  },
})

// The admin's chooser window reports the choice through the opener's dismissRelatedLookupPopup (Django's
// RelatedObjectLookups.js); choices made for a body editor go to that editor, every other to Django.
const djangoDismiss = window.dismissRelatedLookupPopup
window.dismissRelatedLookupPopup = function (chooser, chosenId) {
  const editor = choosing.get(chooser.name)
  if (!editor) return djangoDismiss?.call(this, chooser, chosenId)
  choosing.delete(chooser.name)
  chooser.close()
  editor.commands.insertPicture(chosenId)
}
