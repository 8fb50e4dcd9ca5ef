"""A cache of loaded rules folders between runs, so that each run does not read the same YAML again.

Reading the rule files with the located YAML reader is about half of what a run spends
before it checks a filing (~15 ms of ~30 ms). The loaded folder (``LoadedRules``: the
validated models and the documents with every value's location) is pickled into the
user's cache folder under a key made of every byte it was read from, so that any change
gives another key and nothing is ever invalidated by hand:

- the content and the relative path of every ``.yaml``/``.yml`` file below each layer
  (its rule tests, ``tests/``, aside), and the layers' resolved paths and order;
- the working directory (rule files are shown relative to it in every message);
- junheng's version, the cache format, the Python version, and the size and time of change
  of the modules whose objects the pickle holds and of the compiler's (a developer's edit
  there changes the key too, as it makes Python compile a module again);
- whether it holds the models or their read-only records (``frozen.py``): ``junheng check``
  asks for records, which load without pydantic; the tools that edit rules ask for models.

Beside an entry, an empty ``.clean`` file says that a run compiled every pack of those very
files without a mistake (``CachedRules.mark_compiled_clean``): a check then compiles only the
packs it uses (``packs._LazyPacks``). A folder with a mistake never gets one, so it is
compiled whole, and reported, every time.

A cache file that cannot be read, or holds anything unexpected, is ignored and written
again; a cache folder that cannot be written costs nothing but the time. Errors are
never cached: a broken rules folder is read, and reported, every time. ``JUNHENG_NO_CACHE=1``
(or ``junheng check --no-cache``) turns the cache off; ``JUNHENG_CACHE_DIR`` moves it
(default: ``$XDG_CACHE_HOME/junheng``, else ``~/.cache/junheng``). The cache is the
user's own folder, trusted as Python trusts its own ``__pycache__``.
"""

from __future__ import annotations

import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

try:  # CPython's own BLAKE2b, as hashlib has it, without loading OpenSSL (~2 ms of every start, measured)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python without it has hashlib's
    from hashlib import blake2b

from junheng import __version__
from junheng.policy.frozen import frozen_rules
from junheng.policy.loaded import RULE_TESTS_DIR, LoadedRules, Roots, folders

__all__ = ["CachedRules", "cache_dir", "load_cached"]

CACHE_FORMAT = 2
KEEP = 16  # cache files kept: the newest; a run that writes one removes older ones beyond this
_PACKAGE = Path(__file__).resolve().parent.parent
# The modules whose classes the pickle holds or that decide what it holds, and the compiler's (the mark that a
# folder compiled cleanly is only as good as the compiler that did it): found as files, not imported.
_SOURCES = tuple(sorted([*(_PACKAGE / "policy").glob("*.py"), *(_PACKAGE / "located").glob("*.py"), *(_PACKAGE / "filing").glob("fast*.py"),
                         _PACKAGE / "filing" / "coerce.py"]))


@dataclass(frozen=True)
class CachedRules:
    """A loaded rules folder, and where the cache keeps the mark that these very files compiled without a mistake."""

    loaded: LoadedRules
    mark: Path | None = None  # None: the cache is off

    @property
    def compiled_clean(self) -> bool:
        """Whether a run compiled every pack of these very files, with this very compiler, without a mistake."""
        return self.mark is not None and self.mark.is_file()

    def mark_compiled_clean(self) -> None:
        """Say so for later runs (only after a compile that raised nothing); a cache folder that cannot be written costs nothing."""
        if self.mark is None:
            return
        try:
            self.mark.touch()
        except OSError:
            pass


def cache_dir() -> Path | None:
    """Where loaded rules are cached, or None when the cache is off."""
    if os.environ.get("JUNHENG_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("JUNHENG_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "junheng"


def load_cached(roots: Roots = None, *, cache: bool = True, frozen: bool = False) -> CachedRules:
    """``load_rules(roots)``, from the cache when the very same files were loaded before, with the place of the
    cache's mark that they compile cleanly.

    ``frozen``: the rules as read-only records (``frozen.frozen_rules``), with or without the cache,
    so that a check reads the same kind of objects whether its rules came from the cache or not.
    """
    directory = cache_dir() if cache else None
    key = _key(roots, frozen) if directory is not None else None
    if directory is None or key is None:
        return CachedRules(_load(roots, frozen))
    path = directory / f"rules-{key}.pickle"
    cached = _read(path)
    if cached is None:
        cached = _load(roots, frozen)  # raises InputErrors for a broken folder: nothing is stored
        _write(directory, path, cached)
    return CachedRules(cached, path.with_suffix(".clean"))


def _load(roots: Roots, frozen: bool) -> LoadedRules:
    from junheng.policy.load import load_rules  # imported here: reading rule files needs pydantic, a cached run does not

    loaded = load_rules(roots)
    return frozen_rules(loaded) if frozen else loaded


def _key(roots: Roots, frozen: bool) -> str | None:
    """The hash of everything the loaded rules depend on; None when a layer is not a readable folder."""
    digest = blake2b(digest_size=16)
    kind = "records" if frozen else "models"
    for part in (f"junheng-rules-cache {CACHE_FORMAT} {kind}", __version__, sys.version, os.getcwd()):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    try:
        for source in _SOURCES:  # as Python trusts its own bytecode: by size and time of change
            stat = source.stat()
            digest.update(f"{source.name} {stat.st_size} {stat.st_mtime_ns}".encode() + b"\0")
        for folder in folders(roots):
            if not folder.is_dir():
                return None
            digest.update(os.fsencode(folder.resolve()) + b"\0")
            for path in sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()):
                relative = path.relative_to(folder)
                if relative.parts[0] == RULE_TESTS_DIR:  # the rule tests: not read by loading (``authoring/ruletest.py``)
                    continue
                digest.update(os.fsencode(relative) + b"\0")
                digest.update(blake2b(path.read_bytes(), digest_size=32).digest())
    except OSError:
        return None
    return digest.hexdigest()[:32]


def _read(path: Path) -> LoadedRules | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        loaded = pickle.loads(data)
    except Exception:  # noqa: BLE001 - a damaged or foreign cache file is never trusted: read the rules again
        return None
    return loaded if isinstance(loaded, LoadedRules) else None


def _write(directory: Path, path: Path, loaded: LoadedRules) -> None:
    """Store atomically (a temporary file renamed), then keep only the newest ``KEEP`` files."""
    tmp = directory / f".{path.name}.{os.urandom(4).hex()}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError):
        _remove(tmp)
        return
    try:
        entries = sorted(directory.glob("rules-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:  # another run pruned at the same moment
        return
    for old in entries[KEEP:]:
        _remove(old)
        _remove(old.with_suffix(".clean"))


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
