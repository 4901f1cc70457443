"""Security checks: no raw HTML from user data, safe server config, no credentials on screen or in logs,
a row limit on uploads, and no user text evaluated as code."""
from __future__ import annotations

import ast
import io
import logging
import re
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT

UI_FILES = sorted([ROOT / "app.py", *(ROOT / "ui").glob("*.py")])
CODE_DIRS = ["forecasting", "scheduling", "planning", "ui"]
SECRET = "s3cret-pw"
UNREACHABLE = f"postgresql://wfm_user:{SECRET}@127.0.0.1:1/wfm"


def _calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Call):
            yield node


def _dotted(node: ast.AST) -> str:
    """``st.components.v1.html`` for the func of a call; '' for anything not a plain dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


# ------------------------------------------------------------------------------------------ (a) raw HTML


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_the_ui_never_renders_raw_html(path):
    """No unsafe_allow_html=True, st.html or components.html: every text the app shows is escaped by Streamlit.

    Stricter than "not with user data": the pages have no need for raw HTML at all, so none is allowed.
    """
    source = path.read_text(encoding="utf-8")
    assert "unsafe_allow_html" not in source, f"{path.name} uses unsafe_allow_html"
    assert "streamlit.components" not in source and "components.v1" not in source, f"{path.name} imports components"
    for call in _calls(path):
        name = _dotted(call.func)
        assert not (name.endswith(".html") or name == "html"), f"{path.name}:{call.lineno} calls {name}()"
        for keyword in call.keywords:
            assert keyword.arg != "unsafe_allow_html", f"{path.name}:{call.lineno} passes unsafe_allow_html"


# ------------------------------------------------------------------------------------------ (b) server config


def test_the_server_config_keeps_xsrf_protection_and_an_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config.get("server", {})
    assert server.get("enableXsrfProtection") is True
    assert server.get("enableCORS", True) is True, "CORS protection must stay on"
    limit = server.get("maxUploadSize")
    assert isinstance(limit, int) and 0 < limit <= 1000, f"maxUploadSize (MB) must be set and bounded, is {limit}"
    # the ingestion's own byte limit is not looser than the upload limit
    import inspect

    from forecasting.history import load_history

    assert inspect.signature(load_history).parameters["max_bytes"].default <= limit * 1_000_000


# ------------------------------------------------------------------------------------------ (c) credentials


def _texts(node) -> list[str]:
    """Every element's protobuf as text (labels, bodies, messages, values), walking the whole tree."""
    out = []
    proto = getattr(node, "proto", None)
    if proto is not None:
        out.append(str(proto))
    children = getattr(node, "children", None)
    for child in (children.values() if isinstance(children, dict) else children or []):
        out.extend(_texts(child))
    return out


@pytest.mark.slow
def test_an_unreachable_database_is_explained_without_its_password(monkeypatch, tmp_path, caplog, capfd):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("WFM_DATABASE_URL", UNREACHABLE)
    local = tmp_path / "scenarios.sqlite"
    monkeypatch.setattr("planning.store.DEFAULT_FILE", local)  # the fallback file, here not the repository's
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()  # the page's store() is cached per process: another test may have opened one
    caplog.set_level(logging.DEBUG)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("ui/scenarios.py")
    at.run()
    st.cache_resource.clear()

    assert not at.exception, [e.value for e in at.exception]
    warnings = [w.value for w in at.warning]
    assert any("cannot reach the scenario database" in w and "Using the local file scenarios.sqlite" in w
               for w in warnings), warnings
    assert any("wfm_user:***@127.0.0.1:1/wfm" in w for w in warnings), warnings  # the URL, password masked
    assert local.exists(), "the page did not fall back to the local file"
    assert at.dataframe, "the page stopped after the message instead of working on the local file"

    shown = {kind: [str(e.value) for e in getattr(at, kind)]
             for kind in ("markdown", "caption", "error", "warning", "info", "success", "text", "title", "header",
                          "subheader", "exception", "code", "json", "toast", "metric")}
    for kind, values in shown.items():
        assert not any(SECRET in v for v in values), f"the password is shown in a {kind} element"
    texts = _texts(at._tree)
    assert any("wfm_user:***@" in text for text in texts), "the tree walk does not reach the elements' text"
    assert not any(SECRET in text for text in texts), "the password is in an element of the page"
    assert SECRET not in caplog.text, "the password is in the logs"
    out, err = capfd.readouterr()
    sys.stdout.write(out)
    sys.stderr.write(err)
    assert SECRET not in out and SECRET not in err, "the password is on stdout/stderr"


def test_store_messages_mask_the_password(monkeypatch, tmp_path):
    from forecasting.validation import InputError
    from planning.store import ScenarioStore, open_store, safe_url

    assert SECRET not in safe_url(UNREACHABLE) and "***" in safe_url(UNREACHABLE)
    with pytest.raises(InputError) as caught:
        ScenarioStore(UNREACHABLE)
    assert SECRET not in str(caught.value) and "cannot reach the scenario database" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    monkeypatch.setattr("planning.store.DEFAULT_FILE", tmp_path / "local.sqlite")
    store, message = open_store(UNREACHABLE)
    assert message and SECRET not in message and "local.sqlite" in message
    assert SECRET not in store.label


# ------------------------------------------------------------------------------------------ (d) row limit


def test_history_uploads_have_a_row_limit_with_a_clear_message(tmp_path):
    import inspect

    from forecasting.history import load_history
    from forecasting.validation import InputError

    default = inspect.signature(load_history).parameters["max_rows"].default
    assert isinstance(default, int) and 0 < default <= 50_000_000, "uploads need a finite default row limit"
    rows = "".join(f"2025-03-01T{h:02d}:{m:02d}:00+00:00,sales,5\n" for h in range(9, 12) for m in (0, 15, 30, 45))
    data = ("timestamp,queue,calls\n" + rows).encode()
    assert len(load_history(data, name="calls.csv", max_rows=12).frame) > 0  # 12 rows: at the limit, accepted
    for source in (data, pd.read_csv(io.BytesIO(data))):
        with pytest.raises(InputError) as caught:
            load_history(source, name="calls.csv", max_rows=11)
        message = str(caught.value)
        assert "calls.csv" in message and re.search(r"limit of 11\b", message), message
        assert "Fix:" in message
    excel = tmp_path / "calls.xlsx"
    pd.read_csv(io.BytesIO(data)).to_excel(excel, index=False)
    with pytest.raises(InputError, match=r"calls\.xlsx.*limit of 11 rows"):
        load_history(excel, max_rows=11)


# ------------------------------------------------------------------------------------------ (e) no eval


SAFE_YAML_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}


def _unsafe_calls(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for call in _calls(path):
        name = _dotted(call.func)
        last = name.rsplit(".", 1)[-1]
        where = f"{path.relative_to(root)}:{call.lineno} {name}()"
        if name in ("eval", "exec", "compile", "__import__", "builtins.eval", "builtins.exec"):
            found.append(where)
        elif last in ("eval", "query") and name not in ("eval",):  # pandas .eval()/.query() evaluate expressions
            found.append(where)
        elif name.split(".")[0] in ("pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve", "jsonpickle") \
                and last in ("load", "loads", "open", "Unpickler", "decode"):
            found.append(where)
        elif name in ("yaml.unsafe_load", "yaml.full_load", "yaml.unsafe_load_all", "yaml.full_load_all"):
            found.append(where)
        elif name in ("yaml.load", "yaml.load_all"):
            loader = next((k.value for k in call.keywords if k.arg == "Loader"),
                          call.args[1] if len(call.args) > 1 else None)
            if loader is None or _dotted(loader).rsplit(".", 1)[-1] not in SAFE_YAML_LOADERS:
                found.append(where)
        elif name in ("pd.read_pickle", "pandas.read_pickle", "np.load", "numpy.load") and not any(
                k.arg == "allow_pickle" and isinstance(k.value, ast.Constant) and k.value.value is False
                for k in call.keywords):
            found.append(where)
    return found


def test_nothing_evaluates_user_text_as_code():
    files = [p for d in CODE_DIRS for p in sorted((ROOT / d).rglob("*.py"))]
    assert len(files) > 20
    found = [hit for path in files for hit in _unsafe_calls(path)]
    assert not found, "code that evaluates or unpickles input:\n" + "\n".join(found)
    for path in files:  # and no import that only exists to do so
        source = path.read_text(encoding="utf-8")
        assert "from pickle import load" not in source and "from yaml import load" not in source, path


def test_the_eval_check_catches_what_it_should(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import yaml, pickle\nimport pandas as pd\n"
                   "eval(text)\nexec(code)\npickle.loads(blob)\nyaml.load(s)\nyaml.load(s, Loader=yaml.Loader)\n"
                   "frame.query(user)\npd.read_pickle(path)\n"
                   "yaml.safe_load(s)\nyaml.load(s, Loader=yaml.SafeLoader)\npickle.dumps(x)\nast.literal_eval(s)\n")
    hits = _unsafe_calls(bad, tmp_path)
    assert [h.split()[0] for h in hits] == [f"bad.py:{n}" for n in (3, 4, 5, 6, 7, 8, 9)], hits
