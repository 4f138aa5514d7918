"""Case CRUD, versioning, the starter library and YAML/JSON import/export, on both stores."""
import json

import pytest

from case_library import CaseLibrary, ensure_starter
from case_library.model import dump_cases, load_cases
from case_library.library import STARTER_FILE
from yuqing.config import load_config
from yuqing.errors import ConflictError, InputError, NotFound
from yuqing.records import Case


def test_starter_library_is_real_sourced_and_loads_once(store):
    cases = load_cases(STARTER_FILE)
    assert len(cases) >= 30 and len({c.id for c in cases}) == len(cases)
    for case in cases:
        assert case.sources and case.categories and case.summary and case.measures and case.outcome, case.id
        assert isinstance(case.uncertain, list)
    ids = {c.id for c in cases}
    assert {"zhengzhou-720-rainstorm-2021", "typhoon-saola-2023", "shenzhen-0907-rainstorm-2023",
            "guangming-landslide-2015", "winter-wage-arrears-campaign", "panyu-incinerator-2009",
            "property-fee-dispute-pattern", "ushine-education-2021"} <= ids

    config = load_config(None)
    assert ensure_starter(config, store) == len(cases)
    store.flush()
    assert store.count_records("cases") == len(cases)
    assert ensure_starter(config, store) == 0  # idempotent
    library = CaseLibrary.from_config(config, store)
    assert library.get("guangming-landslide-2015").district == "光明新区"
    assert library.versions("guangming-landslide-2015")[0].who == "starter"


def test_put_versions_every_change_with_who_and_when(store):
    library = CaseLibrary(store)
    case = Case(id="c1", title="某街道欠薪聚集", categories=["labor_dispute"], measures=["劳动监察介入"])
    assert library.put(case, "wang", "created") == 1
    store.flush()
    assert library.put(case, "wang") == 1  # nothing changed: no new version
    edited = case.model_copy(update={"outcome": "工资全部发放", "measures": ["劳动监察介入", "总包代付"]})
    assert library.put(edited, "li", "outcome added") == 2
    store.flush()
    stored = library.get("c1")
    assert stored.outcome == "工资全部发放" and stored.version == 2 and stored.updated_by == "li"
    history = library.versions("c1")
    assert [(v.version, v.who, v.note) for v in history] == [(1, "wang", "created"), (2, "li", "outcome added")]
    assert all(v.when for v in history)
    assert library.get_version("c1", 1).outcome == "" and library.get_version("c1", 2).outcome == "工资全部发放"
    with pytest.raises(NotFound):
        library.get_version("c1", 3)
    with pytest.raises(NotFound):
        library.get("nope")


def test_a_stale_write_is_refused(store):
    library = CaseLibrary(store)
    library.put(Case(id="c2", title="t"), "a")
    store.flush()
    seen = store.get_versioned("cases", "c2")
    library.put(Case(id="c2", title="t2"), "b")  # someone else saves first
    store.flush()
    with pytest.raises(ConflictError):
        store.update_record("cases", Case(id="c2", title="t3"), seen.version)


@pytest.mark.parametrize("fmt, suffix", [("yaml", ".yaml"), ("json", ".json")])
def test_export_and_import_round_trip(store, tmp_path, fmt, suffix):
    library = CaseLibrary(store)
    original = Case(id="c3", title="旧改纠纷", start="2020-05-01", categories=["land_demolition"],
                    timeline=[{"when": "2020-05-01", "what": "公示"}], uncertain=["补偿金额"])
    library.put(original, "a")
    store.flush()
    path = tmp_path / f"cases{suffix}"
    path.write_text(dump_cases(library.all(), fmt), encoding="utf-8")
    [loaded] = load_cases(path)
    assert loaded.title == "旧改纠纷" and loaded.timeline == original.timeline and loaded.uncertain == ["补偿金额"]
    if fmt == "json":
        assert "旧改纠纷" in path.read_text(encoding="utf-8")  # Chinese unescaped
        json.loads(path.read_text(encoding="utf-8"))


def test_bad_cases_are_reported_and_the_rest_load(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("cases:\n  - {title: 好的, start: 2021-07-20, categories: [environment]}\n"
                    "  - {title: 坏的, categories: [flood]}\n  - {id: x}\n", encoding="utf-8")
    errors = []
    cases = load_cases(path, errors.append)
    assert [c.title for c in cases] == ["好的"] and cases[0].start == "2021-07-20" and cases[0].id.startswith("case-")
    assert "case 2" in errors[0] and "categories" in errors[0] and "case 3" in errors[1] and "title" in errors[1]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="bad.json"):
        load_cases(bad)
