import collections, pytest
from schemathesis.generation.case import Case
from . import test_schemathesis as fz

def test_push_depth(app, backend, people, world, record_property, monkeypatch):
    seen = collections.Counter()
    orig = Case.call
    def call(self, *a, **k):
        r = orig(self, *a, **k)
        if self.operation.label == "POST /api/sync/push":
            if r.status_code == 200:
                for res in r.json()["results"]:
                    seen[(res["status"], str((res.get("error") or {}).get("message"))[:60])] += 1
            else:
                seen[(r.status_code, str(r.json().get("errors"))[:150])] += 1
        return r
    monkeypatch.setattr(Case, "call", call)
    monkeypatch.setattr(fz, "EXAMPLES", 40)
    auth, ids = fz._seed(app, people, world)
    import schemathesis
    from schemathesis import GenerationMode
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    ents = fz._entity_fields(schema.raw_schema)
    op = [r.ok() for r in schema.get_all_operations() if r.ok().label == "POST /api/sync/push"][0]
    for mode in GenerationMode:
        fz._fuzz(op, mode, auth["technician"], ids, ents, collections.Counter())
    for k, v in seen.most_common(): print(v, k)
