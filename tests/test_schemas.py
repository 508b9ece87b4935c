"""The JSON Schemas of results.json, `verify --json` and `crosscheck --json`, held against real output.

Each document relurelax writes names its schema in its first key; the schema file with that
``$id`` ships with the package. The schemas are strict about keys and types (a renamed or
misspelt field fails), but leave room for what is meant to grow: any solver method in the
cross-check, any number of claims.
"""

from __future__ import annotations

import copy
import json
import pathlib

import jsonschema
import pytest

from relurelax.reports._io import load_schema, schema_for
from relurelax.reports.cli import main

from .jsonschemas import SCHEMA_COMMANDS, errors

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "reports" / "example" / "results.json"


#: the version of each document: verify at 3 since the ledger carries the self-checks of the numeric code, report at 4
#: since results.json may carry a sweep section (report --sweep-from)
VERSIONS = {"report": 4, "verify": 3, "crosscheck": 2}


@pytest.mark.parametrize("command", SCHEMA_COMMANDS)
def test_each_schema_is_a_draft_2020_12_schema_whose_id_is_the_documents_schema_name(command):
    schema = load_schema(command)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == schema_for(command) == f"relurelax.{command}/{VERSIONS[command]}"
    assert schema["properties"]["schema"] == {"const": schema["$id"]}
    assert schema["additionalProperties"] is False


@pytest.fixture(scope="module")
def verify_document(quick_verify_run):
    code, _, err, text, _ = quick_verify_run  # the one quick run at seed 0 of the session (conftest.py)
    assert code == 0, err
    return json.loads(text)


@pytest.fixture(scope="module")
def crosscheck_documents(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crosscheck")
    docs = []
    for m in ("1", "2"):  # m = 1: the relaxation with KKT residuals; m = 2: cell solves
        path = folder / f"cc{m}.json"
        argv = ["crosscheck", "--n", "10", "--d", "20", "--m", m, "--trials", "1", "--solvers", "CLARABEL"]
        assert main([*argv, "--json", str(path)]) == 0
        docs.append(json.loads(path.read_text()))
    return docs


def test_verify_json_follows_its_schema(verify_document):
    assert verify_document["schema"] == "relurelax.verify/3"
    assert errors(verify_document) == []
    assert verify_document["ok"] is True and verify_document["strict"] is False
    assert verify_document["selfchecks"] and all(r["passed"] for r in verify_document["selfchecks"])
    claim = verify_document["claims"][0]
    assert {claim["verdict_grade"]["grade"], claim["minimal_grade"]["grade"]} <= {"proved", "refuted", "searched"}


def test_crosscheck_json_follows_its_schema(crosscheck_documents):
    for doc in crosscheck_documents:
        assert doc["schema"] == "relurelax.crosscheck/2"
        assert errors(doc) == []
    assert {i["m"] for doc in crosscheck_documents for i in doc["instances"]} == {1, 2}


def test_the_committed_example_results_follow_the_report_schema():
    results = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    regenerate = "regenerate it: relurelax report --profile default --seed 0 --out reports/example --force"
    assert next(iter(results)) == "schema" and results["schema"] == schema_for("report"), regenerate
    assert errors(results) == []


# --- strict where it should be, open where relurelax grows -------------------------------------


def test_an_unknown_key_a_missing_key_or_a_wrong_type_is_refused(verify_document, crosscheck_documents):
    results = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    broken = []
    doc = copy.deepcopy(results)
    doc["crosscheck"]["instances"][0]["solutions"][0]["objectiv"] = 1.0  # a misspelt field
    broken.append(doc)
    doc = copy.deepcopy(results)
    del doc["claims"]["ok"]  # the ledger's verdict must be carried
    broken.append(doc)
    doc = copy.deepcopy(results)
    doc["crosscheck"]["agree"] = "yes"  # a verdict is a boolean
    broken.append(doc)
    doc = copy.deepcopy(results)
    doc["settings"]["profile"] = "full"  # the old name of the largest profile
    broken.append(doc)
    doc = copy.deepcopy(results)
    doc["figures"]["fig1"]["panels"][0]["summary"]["rgd"]["reached_zero"] = 2.5
    broken.append(doc)
    doc = copy.deepcopy(verify_document)
    doc["claims"][0]["verdict"] = "mostly-holds"
    broken.append(doc)
    doc = copy.deepcopy(verify_document)
    doc["claims"][0]["evidence"][0]["seconds"] = "0.1 s"
    broken.append(doc)
    doc = copy.deepcopy(verify_document)
    del doc["ok"]  # the exit code's verdict must be carried
    broken.append(doc)
    doc = copy.deepcopy(verify_document)
    doc["claims"][0]["minimal_grade"]["grade"] = "likely"
    broken.append(doc)
    doc = copy.deepcopy(verify_document)
    doc["claims"][0]["verdict_grade"].update(grade="proved", proved_for=None)  # proved says for which m
    broken.append(doc)
    doc = copy.deepcopy(verify_document)
    doc["claims"][0]["verdict_grade"].update(grade="searched", proved_for="every m")  # only proved is proved for m
    broken.append(doc)
    doc = copy.deepcopy(verify_document)
    doc["claims"][0]["verdict_grade"].update(grade="refuted", proved_for=None, searches=[
        {"space": "planted", "examples": 3, "budget": 30, "constructed": 0, "rejected": 0, "short": True}])  # searches back searched
    broken.append(doc)
    doc = copy.deepcopy(verify_document)
    doc["claims"][0]["verdict_grade"].update(grade="searched", proved_for=None, searches=[
        {"space": "planted", "examples": 3, "budget": 30, "constructed": 0, "rejected": 0, "short": "yes"}])
    broken.append(doc)
    doc = copy.deepcopy(verify_document)
    doc["claims"][0]["minimal_grade"]["proved_for"] = "m < 4"
    broken.append(doc)
    doc = copy.deepcopy(crosscheck_documents[0])
    doc["instances"][0]["comparisons"][0]["kind"] = "roughly"
    broken.append(doc)
    doc = copy.deepcopy(crosscheck_documents[0])
    doc["schema"] = schema_for("verify")  # claims to be another document
    broken.append(doc)
    for doc in broken:
        assert errors(doc) != []


def test_a_new_solver_method_without_a_backend_is_a_valid_crosscheck_row(crosscheck_documents):
    doc = copy.deepcopy(crosscheck_documents[0])
    newton = dict(doc["instances"][0]["solutions"][1], method="newton", solver=None, kkt=None, gradient_norm=1e-13)
    doc["instances"][0]["solutions"].append(newton)
    doc["tolerances"]["agreement_rtol"]["newton"] = 1e-9
    assert errors(doc) == []


def test_every_grade_the_ledger_writes_is_a_valid_document(verify_document):
    doc = copy.deepcopy(verify_document)
    claim = doc["claims"][0]
    searched = {"grade": "searched", "summary": "searched, only 3 of 30 examples", "proved_for": None,
                "basis": "no proof covers planted; searched: ...",
                "searches": [{"space": "planted, not n-le-d", "examples": 3, "budget": 30, "constructed": 0, "rejected": 57,
                              "short": True}]}  # fmt: skip
    claim["other_minimal_sets"].append({"conditions": ["planted"], "grade": searched})
    claim["verdict_grade"] = dict(searched, searches=[])  # a set no search drew from
    claim["minimal_grade"] = {"grade": "proved", "summary": "proved for m <= 6", "proved_for": "m <= 6", "searches": [],
                              "basis": "a proof covers it"}  # fmt: skip
    claim["conditions"][0]["grade"] = {"grade": "refuted", "summary": "refuted", "proved_for": None, "searches": [],
                                       "basis": "a counterexample"}  # fmt: skip
    claim["evidence"][0]["status"] = "incomplete"  # solver runs that did not converge: shown, not agreement
    claim["evidence"][1]["status"] = "short"
    assert errors(doc) == []


def test_the_number_of_claims_is_not_part_of_the_schema(verify_document):
    doc = copy.deepcopy(verify_document)
    ninth = dict(doc["claims"][0], id="thm3-new-claim")
    doc["claims"].append(ninth)
    assert errors(doc) == []
    doc["claims"] = doc["claims"][:1]
    assert errors(doc) == []
