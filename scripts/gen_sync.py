"""Generate the blocking twin of rapyer from its async source (unasync 0.6.0 + our rules).

Usage (from anywhere; the repository root is found from this file's location)::

    python scripts/gen_sync.py          # regenerate rapyer/_sync and tests/_sync
    python scripts/gen_sync.py --check  # write nothing; exit 1 with a diff when stale

Every ``*.py`` under ``rapyer/_async`` and ``tests/_async`` becomes the file with the same
relative path under ``rapyer/_sync`` and ``tests/_sync``, prefixed by a two-line header.
Only files whose content changes are written; ``.py`` files without a source are deleted.
Exit codes: 0 done / up to date, 1 ``--check`` found differences, 2 a guard failed.

The token work is unasync's public API: one ``unasync.Rule`` per directory (``RULES``), each
with its own replacement table, run by ``unasync.unasync_files`` over a staged copy of the
sources. Renaming, applied to NAME tokens and to STRING tokens whose whole content is a name
(in increasing priority):

1. unasync's defaults: ``__aenter__`` -> ``__enter__``, ``AsyncIterator`` -> ``Iterator``,
   ``AsyncFoo`` -> ``SyncFoo`` for any other ``Async`` + capital letter, ...
2. ``MODULE_REPLACEMENTS``: the I/O seam and the async trees (``_io_async``, ``_async``).
3. Derived names: every ``async def a<x>`` (``a`` + lowercase letter or ``_``, no dunder) of
   the LIBRARY (``rapyer/_async``). Defined under ``rapyer/_async/types/`` it belongs to the
   *field layer* and its twin is ``<x>_now`` (``aappend`` -> ``append_now``); defined
   elsewhere, the *model layer*, twin ``<x>`` (``asave`` -> ``save``). A name defined in both
   layers takes the field meaning inside ``rapyer/_async/types/`` and the model meaning
   everywhere else. The tests call the library, so the tests' table has the library's derived
   names too; names defined in the tests are never derived (a test helper ``async def ages``
   stays ``ages``): a test twin needs an entry in ``TEST_EXPLICIT``.
4. ``EXPLICIT`` (both trees) and ``TEST_EXPLICIT`` (tests only): names without the derived
   form, such as ``alock`` (a plain ``def``) or redis-py's ``aclose``.
5. A line pragma overrides everything for that physical line and is stripped from the
   output: ``x = await self.ainsert(0, v)  # sync: ainsert=insert_now, asave=save_now``.

Guards (nothing is written when one fails): sources follow the house rules (no asyncio
import, ``from __future__ import annotations`` in library modules, no ``AsyncGenerator``,
``async``/``await`` followed by a space, no ``await`` in f-strings, neutral docstrings, no
quoted annotations); a derived name must not rename an unrelated identifier (a builtin or
builtin-method name such as ``add``, or the same name bound otherwise: a variable, parameter,
keyword, import or plain ``def``); every key of ``EXPLICIT`` and ``TEST_EXPLICIT`` is used;
outputs compile, contain no asyncio/await/unknown ``Sync*`` names, no duplicate function
names per class or module, no "async" wording in docstrings, and field twins never equal
builtin methods.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import difflib
import re
import sys
import tempfile
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import tokenize_rt
import unasync

REPO_ROOT = Path(__file__).resolve().parent.parent

# (async source dir, generated dir), relative to the repository root.
TREES: tuple[tuple[str, str], ...] = (
    ("rapyer/_async", "rapyer/_sync"),
    ("tests/_async", "tests/_sync"),
)
LIBRARY_DIR = "rapyer/_async"  # stricter house rules (future import, docstrings, annotations)
FIELD_DIR = "rapyer/_async/types"  # async defs defined here form the field layer (`_now` twins)
TESTS_DIR = "tests/_async"
FIELD_SUFFIX = "_now"

HEADER = (
    "# GENERATED from {source} by scripts/gen_sync.py. DO NOT EDIT.\n"
    "# Change the async source and run: python scripts/gen_sync.py\n"
)

# Rule 2: the I/O seam and the async trees, in every tree (the structure itself).
MODULE_REPLACEMENTS: dict[str, str] = {
    "_io_async": "_io_sync",
    "_async": "_sync",
}

# Rule 4: async names without the derived form, in both trees. Each key must be used.
EXPLICIT: dict[str, str] = {
    "init_rapyer": "init_rapyer_sync",
    "teardown_rapyer": "teardown_rapyer_sync",
    # Lock calls are plain functions returning a context manager (not ``async def``).
    "alock": "lock",
    "alock_from_key": "lock_from_key",
    # redis-py's async client method.
    "aclose": "close",
}

# Rule 4: twins of names defined in the tests (tests only). Each key must be used.
TEST_EXPLICIT: dict[str, str] = {}

# Names that must not appear (as NAME tokens) in generated code, with the reason.
FORBIDDEN_OUTPUT_NAMES: dict[str, str] = {
    "async": "an 'async' keyword survived",
    "await": "an 'await' keyword survived",
    "asyncio": "asyncio (or redis.asyncio) survived; do I/O through rapyer._io_async",
    "pytest_asyncio": "pytest_asyncio is not used (asyncio_mode=auto)",
    "Awaitable": "Awaitable in sync code; use a type alias from rapyer._io_async",
    "Coroutine": "Coroutine in sync code; use a type alias from rapyer._io_async",
    "SyncMock": "unittest.mock.AsyncMock has no blocking twin named SyncMock",
    "SyncRedis": "redis AsyncRedis has no twin SyncRedis; import clients from rapyer._io_async",
    "SyncClient": "an AsyncClient of another library has no twin SyncClient",
}

PRAGMA_RE = re.compile(r"^(?P<keep>.*?)\s*#\s*sync:\s*(?P<body>.*?)\s*$")
PAIR_RE = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*([A-Za-z_]\w*)\s*$")
DERIVED_RE = re.compile(r"^a[a-z_]")
DOTTED_ASYNC_RE = re.compile(r"\b_(?:io_)?async\.|\._(?:io_)?async\b")
BUILTIN_METHODS: frozenset[str] = frozenset(
    name for cls in (list, dict, set, int, float, str, bytes) for name in dir(cls)
)
# Source names a derived rename must never take: ``async def add`` would rename ``seen.add``.
UNRELATED_NAMES: frozenset[str] = BUILTIN_METHODS | frozenset(dir(builtins))
# Wording of the async API that must not survive in a generated docstring.
ASYNC_WORDING_RE = re.compile(
    r"(?i)\b(?:async\w*|asynchronous\w*|await\w*|coroutines?|event loops?)\b"
)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class GenerationError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Names:
    """Names collected from the async sources (derived names: the library's only)."""

    model_layer: dict[str, str] = field(default_factory=dict)  # asave -> save
    field_layer: dict[str, str] = field(default_factory=dict)  # aappend -> append_now
    async_classes: set[str] = field(default_factory=set)  # AsyncModelOps, ...
    defined_at: dict[str, tuple[str, int]] = field(default_factory=dict)  # asave -> (path, line)

    @property
    def allowed_sync(self) -> set[str]:
        return {"Sync" + name[5:] for name in self.async_classes}


# --------------------------------------------------------------------------- paths


def output_path(source: str) -> str:
    for src_dir, out_dir in TREES:
        if source.startswith(src_dir + "/"):
            return out_dir + source[len(src_dir) :]
    raise ValueError(f"{source} is not under an async tree")


def _py_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*.py") if "__pycache__" not in p.parts)


def read_sources(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for src_dir, _ in TREES
        for path in _py_files(root / src_dir)
    }


def _in_dir(path: str, directory: str) -> bool:
    return path.startswith(directory + "/")


# --------------------------------------------------------------------------- names


def _is_derived(name: str) -> bool:
    return bool(DERIVED_RE.match(name)) and not name.startswith("__")


def collect_names(trees: Mapping[str, ast.Module]) -> Names:
    names = Names()
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and re.match(r"^Async[A-Z]", node.name):
                names.async_classes.add(node.name)
            library = _in_dir(path, LIBRARY_DIR)
            if library and isinstance(node, ast.AsyncFunctionDef) and _is_derived(node.name):
                names.defined_at.setdefault(node.name, (path, node.lineno))
                if _in_dir(path, FIELD_DIR):
                    names.field_layer[node.name] = node.name[1:] + FIELD_SUFFIX
                else:
                    names.model_layer[node.name] = node.name[1:]
    return names


@dataclass(frozen=True)
class RuleSpec:
    """One ``unasync.Rule``: a directory of sources and its replacement table (rules 2-4)."""

    source_dir: str
    output_dir: str
    table: dict[str, str]
    checked: frozenset[str]  # the keys that must be used in this directory's files


def rule_specs(
    names: Names, explicit: Mapping[str, str], test_explicit: Mapping[str, str]
) -> list[RuleSpec]:
    """The tables per directory: the field directory, the rest of the library, the tests.

    unasync picks the rule of the longest matching directory for each file.
    """
    model, fields = names.model_layer, names.field_layer
    field_table = {**MODULE_REPLACEMENTS, **model, **fields, **explicit}
    model_table = {**MODULE_REPLACEMENTS, **fields, **model, **explicit}
    test_table = {**model_table, **test_explicit}
    return [
        RuleSpec(FIELD_DIR, "rapyer/_sync/types", field_table, frozenset(explicit)),
        RuleSpec(LIBRARY_DIR, "rapyer/_sync", model_table, frozenset(explicit)),
        RuleSpec(TESTS_DIR, "tests/_sync", test_table, frozenset({*explicit, *test_explicit})),
    ]


def spec_of(path: str, specs: list[RuleSpec]) -> RuleSpec:
    """The rule of the longest source directory holding ``path`` (as unasync chooses)."""
    matching = [spec for spec in specs if _in_dir(path, spec.source_dir)]
    if not matching:
        raise ValueError(f"{path} is not under an async tree")
    return max(matching, key=lambda spec: spec.source_dir.count("/"))


# --------------------------------------------------------------------------- transform


def _string_content(src: str) -> str:
    return src[1:-1]  # unasync's view of a STRING token


def _parse_pragma(body: str) -> dict[str, str] | None:
    pairs = {}
    for part in body.split(","):
        match = PAIR_RE.match(part)
        if not match:
            return None
        pairs[match[1]] = match[2]
    return pairs


def apply_pragmas(
    tokens: list[tokenize_rt.Token], path: str, table: Mapping[str, str], problems: list[Problem]
) -> list[tokenize_rt.Token]:
    """Rename per `# sync: a=b` comments on the same physical line and strip the pragma."""
    tokens = list(tokens)
    by_line: dict[int | None, list[int]] = {}
    for j, other in enumerate(tokens):
        by_line.setdefault(other.line, []).append(j)
    for i, tok in enumerate(tokens):
        match = PRAGMA_RE.match(tok.src) if tok.name == "COMMENT" else None
        if not match:
            continue
        pairs = _parse_pragma(match["body"])
        if pairs is None:
            problems.append(Problem(path, tok.line or 0, f"malformed pragma {tok.src!r}"))
            continue
        for key, value in pairs.items():
            if value in table or value.startswith("Async"):
                problems.append(Problem(path, tok.line or 0, f"pragma target {value} is renamed"))
            found = False
            for j in by_line[tok.line]:
                other = tokens[j]
                if other.name == "NAME" and other.src == key:
                    tokens[j] = other._replace(src=value)
                    found = True
                elif other.name == "STRING" and _string_content(other.src) == key:
                    tokens[j] = other._replace(src=other.src[0] + value + other.src[-1])
                    found = True
            if not found:
                problems.append(Problem(path, tok.line or 0, f"pragma names {key}, not on line"))
        keep = match["keep"]
        tokens[i] = tok._replace(src=keep)
        if not keep and i > 0 and tokens[i - 1].name == "UNIMPORTANT_WS":
            tokens[i - 1] = tokens[i - 1]._replace(src="")
    return tokens


def names_in(source: str) -> set[str]:
    """The NAME tokens and whole-name STRING contents of a source: what unasync renames."""
    found: set[str] = set()
    for tok in tokenize_rt.src_to_tokens(source):
        if tok.name == "NAME":
            found.add(tok.src)
        elif tok.name == "STRING":
            found.add(_string_content(tok.src))
    return found


def unasync_texts(sources: Mapping[str, str], specs: list[RuleSpec]) -> dict[str, str]:
    """``{source path: generated body}`` through unasync's public API: the sources are staged
    in a temporary directory and ``unasync.unasync_files`` runs one ``unasync.Rule`` per
    directory over them."""
    with tempfile.TemporaryDirectory(prefix="gen_sync_") as tmp:
        stage = Path(tmp)
        rules = [
            unasync.Rule(
                f"{stage.as_posix()}/{spec.source_dir}/",
                f"{stage.as_posix()}/{spec.output_dir}/",
                additional_replacements=spec.table,
            )
            for spec in specs
        ]
        files = []
        for path, text in sources.items():
            staged = stage / path
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(text.encode("utf-8"))
            files.append(staged.as_posix())
        unasync.unasync_files(files, rules)
        return {path: (stage / output_path(path)).read_bytes().decode("utf-8") for path in sources}


# --------------------------------------------------------------------------- guards


def _docstring_nodes(tree: ast.Module) -> Iterable[ast.AST]:
    yield tree
    for node in ast.walk(tree):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _annotations(tree: ast.Module) -> Iterable[ast.expr]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            yield from (a.annotation for a in every if a is not None and a.annotation)
            if node.returns:
                yield node.returns
        elif isinstance(node, ast.AnnAssign):
            yield node.annotation


def check_source(path: str, source: str, tree: ast.Module, names: Names) -> list[Problem]:
    """House rules for a hand-written async file."""
    problems: list[Problem] = []

    def add(line: int | None, message: str) -> None:
        problems.append(Problem(path, line or 0, message))

    tokens = tokenize_rt.src_to_tokens(source)
    for i, tok in enumerate(tokens):
        if tok.name == "NAME" and tok.src == "AsyncGenerator":
            add(tok.line, "use AsyncIterator, not AsyncGenerator")
        if tok.name == "NAME" and tok.src in ("async", "await"):
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if following is None or following.name != "UNIMPORTANT_WS":
                add(tok.line, f"'{tok.src}' must be followed by a space (no 'await(')")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        else:
            modules = []
        if any("asyncio" in module.split(".") for module in modules):
            add(node.lineno, "asyncio imported; import I/O from rapyer._io_async")
        awaits = isinstance(node, ast.JoinedStr) and any(
            isinstance(n, ast.Await) for n in ast.walk(node)
        )
        if awaits:
            add(node.lineno, "'await' inside an f-string is not transformed")
    if _in_dir(path, LIBRARY_DIR):
        problems += _check_library_source(path, tree, names)
    return problems


def _check_library_source(path: str, tree: ast.Module, names: Names) -> list[Problem]:
    problems: list[Problem] = []
    body = tree.body[1:] if ast.get_docstring(tree, clean=False) is not None else tree.body
    has_future = any(
        isinstance(n, ast.ImportFrom)
        and n.module == "__future__"
        and any(a.name == "annotations" for a in n.names)
        for n in body
    )
    if body and not has_future:
        problems.append(Problem(path, 1, "missing 'from __future__ import annotations'"))
    derived = sorted({*names.model_layer, *names.field_layer})
    words = r"(?i:\bawait\w*)" + "".join(rf"|\b{re.escape(n)}\b" for n in derived)
    forbidden = re.compile(words)
    for node in _docstring_nodes(tree):
        doc = ast.get_docstring(node, clean=False)  # type: ignore[arg-type]
        found = forbidden.search(doc) if doc else None
        if found:
            line = node.body[0].lineno  # type: ignore[attr-defined]
            problems.append(Problem(path, line, f"docstring mentions {found[0]!r}; keep neutral"))
    for annotation in _annotations(tree):
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            problems.append(Problem(path, annotation.lineno, "quoted annotation; unquote it"))
    return problems


def _exempt(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Legitimate redefinitions: @overload and @<name>.setter/.getter/.deleter."""
    for dec in node.decorator_list:
        if isinstance(dec, ast.Name) and dec.id == "overload":
            return True
        if isinstance(dec, ast.Attribute) and dec.attr == "overload":
            return True
        if (
            isinstance(dec, ast.Attribute)
            and dec.attr in ("setter", "getter", "deleter")
            and isinstance(dec.value, ast.Name)
            and dec.value.id == node.name
        ):
            return True
    return False


def check_duplicates(path: str, tree: ast.Module) -> list[Problem]:
    problems = []
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef))]
    for scope in scopes:
        seen: dict[str, int] = {}
        for node in scope.body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or _exempt(node):
                continue
            if node.name in seen:
                where = getattr(scope, "name", "module")
                problems.append(
                    Problem(
                        path,
                        node.lineno,
                        f"{where} defines {node.name} twice (first at line {seen[node.name]})",
                    )
                )
            seen.setdefault(node.name, node.lineno)
    return problems


def check_output(path: str, text: str, names: Names) -> list[Problem]:
    """Guards on one generated body (same line numbers as its source)."""
    out = output_path(path)
    try:
        tree = compile(text, out, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        compile(tree, out, "exec", dont_inherit=True)
        problems = check_duplicates(path, tree)
    except SyntaxError as exc:
        problems = [Problem(path, exc.lineno or 0, f"generated {out} does not compile: {exc.msg}")]
    try:
        return problems + _check_output_tokens(path, text, names)
    except (SyntaxError, tokenize.TokenError):
        return problems


def _check_output_tokens(path: str, text: str, names: Names) -> list[Problem]:
    problems: list[Problem] = []
    allowed = names.allowed_sync
    for tok in tokenize_rt.src_to_tokens(text):
        if tok.name == "NAME":
            if tok.src in FORBIDDEN_OUTPUT_NAMES:
                problems.append(Problem(path, tok.line or 0, FORBIDDEN_OUTPUT_NAMES[tok.src]))
            elif re.match(r"^Sync[A-Z]", tok.src) and tok.src not in allowed:
                message = f"{tok.src} has no Async{tok.src[4:]} class of ours"
                problems.append(Problem(path, tok.line or 0, message))
            elif "Async" in tok.src:
                problems.append(Problem(path, tok.line or 0, f"{tok.src} survived"))
        elif tok.name == "STRING":
            content = _string_content(tok.src)
            if "redis.asyncio" in tok.src or content == "asyncio":
                problems.append(Problem(path, tok.line or 0, f"string {tok.src} names asyncio"))
            if DOTTED_ASYNC_RE.search(tok.src):
                message = f"string {tok.src} names an async module; only whole names are mapped"
                problems.append(Problem(path, tok.line or 0, message))
    return problems


def check_field_twins(names: Names) -> list[Problem]:
    return [
        Problem(FIELD_DIR, 0, f"field twin {twin} of {name} is a builtin method name")
        for name, twin in names.field_layer.items()
        if twin in BUILTIN_METHODS
    ]


def _bound_names(tree: ast.Module) -> Iterable[tuple[str, int, str]]:
    """``(name, line, role)`` of every name the source binds other than by ``async def``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            yield node.id, node.lineno, "a variable"
        elif isinstance(node, ast.arg):
            yield node.arg, node.lineno, "a parameter"
        elif isinstance(node, ast.keyword) and node.arg is not None:
            yield node.arg, node.value.lineno, "a keyword argument"
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            yield node.name, node.lineno, "a plain def or class"
        elif isinstance(node, ast.alias) and node.asname not in (None, node.name.split(".")[-1]):
            yield node.asname, node.lineno, "an import alias"


def check_unrelated(
    trees: Mapping[str, ast.Module], names: Names, specs: list[RuleSpec]
) -> list[Problem]:
    """A derived rename must rename only the async def and its uses: never a builtin or
    builtin-method name (``async def add`` would turn ``seen.add`` into ``seen.dd``), nor a
    name that a file where it applies binds some other way."""
    problems = [
        Problem(path, line, f"async def {name}: its twin would rename every {name} (a builtin)")
        for name, (path, line) in sorted(names.defined_at.items())
        if name in UNRELATED_NAMES
    ]
    derived = {*names.model_layer, *names.field_layer}
    for path, tree in trees.items():
        table = spec_of(path, specs).table
        for name, line, role in _bound_names(tree):
            if name in derived and name in table:
                message = f"{name} is also {role} here: renaming it to {table[name]} is unrelated"
                problems.append(Problem(path, line, message))
    return problems


def check_docstring_wording(path: str, text: str) -> list[Problem]:
    """Docstrings of a generated file must not speak of the async API."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []  # reported by check_output
    problems = []
    for node in _docstring_nodes(tree):
        doc = ast.get_docstring(node, clean=False)  # type: ignore[arg-type]
        found = ASYNC_WORDING_RE.search(doc) if doc else None
        if found:
            line = node.body[0].lineno  # type: ignore[attr-defined]
            message = f"generated docstring says {found[0]!r}; word it for both APIs"
            problems.append(Problem(path, line, message))
    return problems


# --------------------------------------------------------------------------- generate


def generate_texts(
    sources: Mapping[str, str],
    explicit: Mapping[str, str] = EXPLICIT,
    test_explicit: Mapping[str, str] = TEST_EXPLICIT,
) -> dict[str, str]:
    """Map async sources {relpath: text} to generated files {relpath: text}, or raise."""
    problems: list[Problem] = []
    trees: dict[str, ast.Module] = {}
    for path, source in sorted(sources.items()):
        try:
            trees[path] = ast.parse(source, path)
        except SyntaxError as exc:
            problems.append(Problem(path, exc.lineno or 0, f"does not parse: {exc.msg}"))
    names = collect_names(trees)
    specs = rule_specs(names, explicit, test_explicit)
    problems += check_field_twins(names)
    problems += check_unrelated(trees, names, specs)
    used: dict[str, set[str]] = {spec.source_dir: set() for spec in specs}
    staged: dict[str, str] = {}
    for path, tree in trees.items():
        problems += check_source(path, sources[path], tree, names)
        spec = spec_of(path, specs)
        tokens = apply_pragmas(tokenize_rt.src_to_tokens(sources[path]), path, spec.table, problems)
        staged[path] = tokenize_rt.tokens_to_src(tokens)
        used[spec.source_dir] |= names_in(staged[path]) & spec.table.keys()
    bodies = unasync_texts(staged, specs)
    outputs: dict[str, str] = {}
    for path, body in bodies.items():
        problems += check_output(path, body, names)
        problems += check_docstring_wording(path, body)
        outputs[output_path(path)] = HEADER.format(source=path) + body
    library_used = used[FIELD_DIR] | used[LIBRARY_DIR]
    problems += [
        Problem("scripts/gen_sync.py", 0, f"unused replacement {key!r} in EXPLICIT")
        for key in explicit
        if key not in library_used | used[TESTS_DIR]
    ]
    problems += [
        Problem("scripts/gen_sync.py", 0, f"unused replacement {key!r} in TEST_EXPLICIT")
        for key in test_explicit
        if key not in used[TESTS_DIR]
    ]
    if problems:
        raise GenerationError(sorted(problems, key=lambda p: (p.path, p.line)))
    return outputs


def generate(root: Path, explicit: Mapping[str, str] = EXPLICIT) -> dict[str, str]:
    return generate_texts(read_sources(root), explicit)


@dataclass
class Plan:
    expected: dict[str, str]
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)

    @property
    def dirty(self) -> bool:
        return bool(self.stale or self.missing or self.orphans)


def plan_changes(root: Path, expected: dict[str, str]) -> Plan:
    plan = Plan(expected)
    existing = {
        p.relative_to(root).as_posix() for _, out_dir in TREES for p in _py_files(root / out_dir)
    }
    for path, text in sorted(expected.items()):
        if path not in existing:
            plan.missing.append(path)
        elif (root / path).read_bytes() != text.encode("utf-8"):
            plan.stale.append(path)
    plan.orphans = sorted(existing - expected.keys())
    return plan


def apply_plan(root: Path, plan: Plan) -> None:
    for path in plan.stale + plan.missing:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(plan.expected[path].encode("utf-8"))
    for path in plan.orphans:
        (root / path).unlink()
        parent = (root / path).parent
        while parent != root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def report_check(root: Path, plan: Plan) -> str:
    lines: list[str] = []
    for path in plan.stale:
        current = (root / path).read_text(encoding="utf-8").splitlines(keepends=True)
        wanted = plan.expected[path].splitlines(keepends=True)
        lines += difflib.unified_diff(current, wanted, f"a/{path}", f"b/{path}")
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    for label, paths in (("stale", plan.stale), ("missing", plan.missing)):
        lines += [f"{label}: {p}\n" for p in paths]
    lines += [f"orphaned: {p}\n" for p in plan.orphans]
    lines.append("gen_sync: out of date; run: python scripts/gen_sync.py\n")
    return "".join(lines)


def main(
    argv: list[str] | None = None,
    root: Path | None = None,
    explicit: Mapping[str, str] = EXPLICIT,
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    root = (root or REPO_ROOT).resolve()
    try:
        expected = generate(root, explicit)
    except GenerationError as exc:
        for problem in exc.problems:
            print(f"gen_sync: error: {problem}", file=sys.stderr)
        print(f"gen_sync: {len(exc.problems)} problem(s), nothing written", file=sys.stderr)
        return 2
    plan = plan_changes(root, expected)
    if args.check:
        if plan.dirty:
            sys.stdout.write(report_check(root, plan))
            return 1
        print(f"gen_sync: up to date ({len(expected)} files)")
        return 0
    apply_plan(root, plan)
    written = len(plan.stale) + len(plan.missing)
    unchanged = len(expected) - written
    print(
        f"gen_sync: {len(expected)} files: {written} written, "
        f"{len(plan.orphans)} deleted, {unchanged} unchanged"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
