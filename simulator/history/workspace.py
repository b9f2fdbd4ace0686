"""A municipality's trial workspace: `import_history` checks every input file and copies them
into one directory, all or nothing (it builds the directory beside its destination and
renames it into place only when every file has been read without an error).

    WORKDIR/setup/       depots, disposal_sites, fleet, optional containers and calendar.json
    WORKDIR/weighings.*  the emptying records as given
    WORKDIR/readings.*   fill readings, if given (used for the density)
    WORKDIR/manifest.json  what was imported: counts, layout, sha256 of each file
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from simulator.errors import InputError
from simulator.history.readings import FillReadings, read_fill_readings
from simulator.history.setup import MunicipalitySetup, read_setup
from simulator.history.weighings import Weighings, read_weighings


@dataclass(frozen=True)
class Workspace:
    path: Path
    setup: MunicipalitySetup
    weighings: Weighings
    manifest: dict
    readings: FillReadings | None = None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_history(setup_dir: str | Path, weighings_file: str | Path, out: str | Path,
                   *, replace: bool = False,
                   readings_file: str | Path | None = None) -> Workspace:
    setup_dir, weighings_file, out = Path(setup_dir), Path(weighings_file), Path(out)
    if out.exists() and not replace:
        raise InputError(f"{out}: exists already (use --replace to overwrite it)")
    setup = read_setup(setup_dir)  # raises before anything is written
    weighings = read_weighings(weighings_file)
    readings = read_fill_readings(readings_file) if readings_file else None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        shutil.copytree(setup_dir, tmp / "setup")
        target = tmp / f"weighings{''.join(weighings_file.suffixes)}"
        shutil.copyfile(weighings_file, target)
        extra = {}
        if readings_file:
            kept = tmp / f"readings{''.join(Path(readings_file).suffixes)}"
            shutil.copyfile(readings_file, kept)
            extra = {"readings": {"file": kept.name, "source": str(readings_file),
                                  "rows": len(readings.fill_fraction) if readings else 0,
                                  "sha256": _sha256(kept)}}
        manifest = {
            "weighings": {"file": target.name, "source": str(weighings_file),
                          "layout": weighings.layout, "rows": len(weighings),
                          "sha256": _sha256(target)},
            "setup": {"depots": len(setup.depots), "disposal_sites": len(setup.disposal_sites),
                      "trucks": len(setup.fleet), "sites": len(setup.sites),
                      "calendar": setup.calendar is not None,
                      "files": {p.name: _sha256(p) for p in sorted((tmp / "setup").iterdir())
                                if p.is_file()}},
        } | extra
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Workspace(out, setup, weighings, manifest, readings)


def open_workspace(path: str | Path) -> Workspace:
    path = Path(path)
    manifest_path = path / "manifest.json"
    if not manifest_path.exists():
        raise InputError(f"{path}: not an imported workspace (no manifest.json); run "
                         "`wasteroute history import` first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    readings = manifest.get("readings")
    return Workspace(path, read_setup(path / "setup"),
                     read_weighings(path / manifest["weighings"]["file"]), manifest,
                     read_fill_readings(path / readings["file"]) if readings else None)
