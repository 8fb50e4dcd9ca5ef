"""A cache of loaded rules folders between runs, so that each run does not read the same YAML again.

Reading the rule files with the located YAML reader is about half of what a run spends
before it checks a filing (~15 ms of ~30 ms). The loaded folder (``LoadedRules``: the
validated models and the documents with every value's location) is pickled into the
user's cache folder under a key made of every byte it was read from, so that any change
gives another key and nothing is ever invalidated by hand:

- the content and the relative path of every ``.yaml``/``.yml`` file below each layer,
  and the layers' resolved paths and order;
- the working directory (rule files are shown relative to it in every message);
- junheng's version, the cache format, the Python version, and the source of the modules
  whose objects the pickle holds (a developer's edit there changes the key too);
- whether it holds the models or their read-only records (``frozen.py``): ``junheng check``
  asks for records, which load without pydantic; the tools that edit rules ask for models.

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
from pathlib import Path

try:  # CPython's own SHA-256, the digest hashlib gives, without loading OpenSSL (~2 ms of every start, measured)
    from _sha256 import sha256  # type: ignore[import-not-found,unused-ignore]  # Python 3.11
except ImportError:  # pragma: no cover - Python 3.12 renamed it; any other Python has hashlib's
    try:
        from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        from hashlib import sha256

from junheng import __version__
from junheng.policy.frozen import frozen_rules
from junheng.policy.loaded import LoadedRules, Roots, folders

__all__ = ["cache_dir", "load_rules_cached"]

CACHE_FORMAT = 2
KEEP = 16  # cache files kept: the newest; a run that writes one removes older ones beyond this
_PACKAGE = Path(__file__).resolve().parent.parent
# The modules whose classes the pickle holds, or that decide what it holds: read as files, so that a
# run from the cache does not import the models to find their source.
_SOURCES = tuple(_PACKAGE / name for name in ("located/common.py", "located/read.py", "policy/loaded.py", "policy/load.py",
                                             "policy/model.py", "policy/frozen.py", "policy/text.py"))


def cache_dir() -> Path | None:
    """Where loaded rules are cached, or None when the cache is off."""
    if os.environ.get("JUNHENG_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("JUNHENG_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "junheng"


def load_rules_cached(roots: Roots = None, *, cache: bool = True, frozen: bool = False) -> LoadedRules:
    """``load_rules(roots)``, from the cache when the very same files were loaded before.

    ``frozen``: the rules as read-only records (``frozen.frozen_rules``), with or without the cache,
    so that a check reads the same kind of objects whether its rules came from the cache or not.
    """
    directory = cache_dir() if cache else None
    key = _key(roots, frozen) if directory is not None else None
    if directory is None or key is None:
        return _load(roots, frozen)
    path = directory / f"rules-{key}.pickle"
    cached = _read(path)
    if cached is not None:
        return cached
    loaded = _load(roots, frozen)  # raises InputErrors for a broken folder: nothing is stored
    _write(directory, path, loaded)
    return loaded


def _load(roots: Roots, frozen: bool) -> LoadedRules:
    from junheng.policy.load import load_rules  # imported here: reading rule files needs pydantic, a cached run does not

    loaded = load_rules(roots)
    return frozen_rules(loaded) if frozen else loaded


def _key(roots: Roots, frozen: bool) -> str | None:
    """The hash of everything the loaded rules depend on; None when a layer is not a readable folder."""
    digest = sha256()
    kind = "records" if frozen else "models"
    for part in (f"junheng-rules-cache {CACHE_FORMAT} {kind}", __version__, sys.version, os.getcwd()):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    try:
        for source in _SOURCES:
            digest.update(source.read_bytes())
        for folder in folders(roots):
            if not folder.is_dir():
                return None
            digest.update(os.fsencode(folder.resolve()) + b"\0")
            for path in sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()):
                digest.update(os.fsencode(path.relative_to(folder)) + b"\0")
                digest.update(sha256(path.read_bytes()).digest())
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


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
