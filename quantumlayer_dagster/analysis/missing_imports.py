"""Standard-library names used without being imported, in Go, Java and Rust sources.

The most common name error in generated code of these languages is a missing import:
``fmt.Println`` without ``import "fmt"``, ``new ArrayList<>()`` without
``import java.util.ArrayList``, ``HashMap::new()`` without ``use std::collections::HashMap``.
Resolving every identifier needs the whole build (other files of the package, the class
path, crate modules), so this check is deliberately narrow to keep false positives near
zero: it looks only at a curated set of standard-library names, used unqualified; a file
with a dot, wildcard or glob import, or one that declares or binds the name itself, is
taken to provide it.
"""

import re
from typing import NamedTuple

from tree_sitter import Node


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GO_PACKAGES = _words(
    "fmt os io bufio bytes strings strconv errors time sync sort math rand json http url "
    "filepath path regexp unicode utf8 atomic reflect runtime log context flag exec signal "
    "ioutil hex base64 sha256 md5 binary csv xml template heap list tabwriter"
)
JAVA_CLASSES = _words(
    "List ArrayList LinkedList Map HashMap LinkedHashMap TreeMap Set HashSet LinkedHashSet "
    "TreeSet Collections Arrays Optional Objects Scanner Random Iterator Deque ArrayDeque "
    "Queue PriorityQueue Stream Collectors IntStream Function Supplier Consumer Predicate "
    "BiFunction File Files Path Paths IOException UncheckedIOException BufferedReader "
    "InputStreamReader FileReader FileWriter BufferedWriter PrintWriter InputStream "
    "OutputStream LocalDate LocalDateTime Duration Instant AtomicInteger AtomicLong "
    "ConcurrentHashMap ExecutorService Executors TimeUnit CompletableFuture Future BigDecimal "
    "BigInteger Pattern Matcher UUID"
)
RUST_ITEMS = _words(
    "HashMap HashSet BTreeMap BTreeSet VecDeque BinaryHeap Rc Arc RefCell Cell Mutex RwLock "
    "PhantomData Duration Instant PathBuf File BufReader BufWriter"
)
RUST_MODULES = _words("fmt io mem ptr thread env fs cmp hash iter mpsc process")


_RUST_SCOPED = ("scoped_identifier", "scoped_type_identifier")


class MissingImport(NamedTuple):
    """A standard-library name used without import; line and column are 1-based."""

    name: str
    line: int
    column: int
    message: str


def missing_imports(language: str, root: Node) -> list[MissingImport]:
    """Unimported standard-library names in a parsed Go, Java or Rust file (others: [])."""
    if language == "go":
        return _go(root)
    if language == "java":
        return _java(root)
    if language == "rust":
        return _rust(root)
    return []


def _nodes(root: Node) -> list[Node]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(reversed(node.children))
    return found


def _text(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", errors="replace") if node is not None else ""


def _first(uses: dict[str, Node], message: str) -> list[MissingImport]:
    return [
        MissingImport(name, n.start_point[0] + 1, n.start_point[1] + 1, message.format(name=name))
        for name, n in sorted(uses.items(), key=lambda kv: kv[1].start_byte)
    ]


def _go(root: Node) -> list[MissingImport]:
    nodes = _nodes(root)
    imported: set[str] = set()
    for spec in (n for n in nodes if n.type == "import_spec"):
        alias = spec.child_by_field_name("name")
        if alias is not None:
            if _text(alias) == ".":
                return []  # dot import: its names are unqualified and unknown to us
            imported.add(_text(alias))
            continue
        segments = _text(spec.child_by_field_name("path")).strip('"`').split("/")
        if len(segments) > 1 and re.fullmatch(r"v\d+", segments[-1]):
            segments.pop()  # "example.com/mod/v2" is package "mod"
        name = segments[-1]
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            return []  # a package name we cannot derive from its path ("gopkg.in/yaml.v3")
        imported.add(name)
    qualifiers: dict[str, Node] = {}
    bound: set[str] = set()
    for node in nodes:
        if node.type not in ("identifier", "package_identifier"):
            continue
        parent = node.parent
        is_qualifier = parent is not None and (
            (parent.type == "selector_expression" and parent.child_by_field_name("operand") == node)
            or (parent.type == "qualified_type" and parent.child_by_field_name("package") == node)
        )
        if is_qualifier:
            qualifiers.setdefault(_text(node), node)
        elif parent is not None and parent.type != "package_clause":
            bound.add(_text(node))  # a variable, parameter or function of that name
    uses = {
        name: node
        for name, node in qualifiers.items()
        if name in GO_PACKAGES and name not in imported and name not in bound
    }
    return _first(uses, 'undefined: {name} (missing import "{name}"?)')


def _java(root: Node) -> list[MissingImport]:
    nodes = _nodes(root)
    imported: set[str] = set()
    for decl in (n for n in nodes if n.type == "import_declaration"):
        text = _text(decl)
        if ".*" in text or "*" in text:
            return []  # wildcard import: any class may come from it
        imported.add(text.rstrip(";").strip().split(".")[-1])
    declared = {
        _text(n.child_by_field_name("name"))
        for n in nodes
        if n.type
        in (
            "class_declaration",
            "interface_declaration",
            "enum_declaration",
            "record_declaration",
            "annotation_type_declaration",
        )
    }
    declared |= {
        _text(c)
        for n in nodes
        if n.type == "type_parameter"
        for c in n.children
        if c.type == "type_identifier"
    }
    uses: dict[str, Node] = {}
    for node in nodes:
        parent = node.parent
        if node.type == "type_identifier":
            # "Map.Entry": only the first part names an imported class
            if (
                parent is not None
                and parent.type == "scoped_type_identifier"
                and parent.children[0] != node
            ):
                continue
        elif node.type == "identifier":
            if parent is None or parent.type not in ("method_invocation", "field_access"):
                continue
            if parent.child_by_field_name("object") != node:
                continue
        else:
            continue
        name = _text(node)
        if name in JAVA_CLASSES and name not in imported and name not in declared:
            uses.setdefault(name, node)
    # a local variable or field named like the class ("list.add") is not a class use
    variables = {
        _text(n.child_by_field_name("name"))
        for n in nodes
        if n.type in ("variable_declarator", "formal_parameter")
    }
    uses = {k: v for k, v in uses.items() if k not in variables}
    return _first(uses, "cannot find symbol {name} (missing import?)")


def _rust(root: Node) -> list[MissingImport]:
    nodes = _nodes(root)
    used_names: set[str] = set()
    for decl in (n for n in nodes if n.type in ("use_declaration", "extern_crate_declaration")):
        text = _text(decl)
        if "*" in text:
            return []  # glob import: any item may come from it
        used_names.update(re.findall(r"\w+", text))
    declared = {
        _text(n.child_by_field_name("name"))
        for n in nodes
        if n.type
        in ("struct_item", "enum_item", "type_item", "trait_item", "mod_item", "union_item")
    }
    declared |= {_text(n) for n in nodes if n.type == "macro_definition"}
    uses: dict[str, Node] = {}
    for node in nodes:
        if node.type not in ("type_identifier", "identifier"):
            continue
        parent = node.parent
        name = _text(node)
        scoped = parent is not None and parent.type in (
            "scoped_identifier",
            "scoped_type_identifier",
        )
        if scoped and parent is not None and parent.child_by_field_name("name") == node:
            continue  # "std::collections::HashMap": qualified, needs no import
        if scoped and parent is not None and parent.child_by_field_name("path") == node:
            wanted = name in RUST_MODULES or name in RUST_ITEMS
        else:
            wanted = node.type == "type_identifier" and name in RUST_ITEMS
        if wanted and name not in used_names and name not in declared:
            uses.setdefault(name, node)
    return _first(uses, "cannot find `{name}` in this scope (missing `use`?)")
