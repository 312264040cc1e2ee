package plan

import (
	"strings"
	"testing"
)

var small = Plan{Prefix: "run1", Threads: 3, Keys: 4, Base: 7}

// replicated returns what a correct replication leaves on the recovery cluster.
func replicated(p Plan) map[string][]byte {
	got := map[string][]byte{}
	for _, k := range p.AllKeys() {
		got[k] = []byte(p.Expected())
	}
	return got
}

func TestKeyPlan(t *testing.T) {
	keys := small.AllKeys()
	if len(keys) != 12 || small.Total() != 12 {
		t.Fatalf("want 12 keys, got %d", len(keys))
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Fatalf("duplicate key %s", k)
		}
		seen[k] = true
		if !strings.HasPrefix(k, "run1/") {
			t.Fatalf("key %s lacks the run prefix", k)
		}
	}
	if small.Key(2, 3) != "run1/t2/k3" {
		t.Fatalf("key layout changed: %s", small.Key(2, 3))
	}
	if small.Value(1) != "7" || small.Value(2) != "8" || small.Expected() != "8" {
		t.Fatalf("values: round1=%s round2=%s expected=%s", small.Value(1), small.Value(2), small.Expected())
	}
	other := small
	other.Prefix = "run2"
	if other.Key(0, 0) == small.Key(0, 0) {
		t.Fatal("two runs share a key")
	}
}

func TestBatches(t *testing.T) {
	b := Batches(small.AllKeys(), 5)
	if len(b) != 3 || len(b[0]) != 5 || len(b[2]) != 2 {
		t.Fatalf("batches of 12 by 5: %v", b)
	}
}

func TestValidate(t *testing.T) {
	for _, bad := range []Plan{{Threads: 1, Keys: 1}, {Prefix: "p", Keys: 1}, {Prefix: "p", Threads: 1}} {
		if bad.Validate() == nil {
			t.Fatalf("plan %+v should be refused", bad)
		}
	}
	if err := small.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyAllCorrect(t *testing.T) {
	r := Verify(small, replicated(small), 10)
	if !r.OK() || r.Checked != 12 || len(r.First) != 0 {
		t.Fatalf("all correct judged as %s", r)
	}
	if !strings.HasPrefix(r.String(), "verdict=PASS checked=12 wrong=0 missing=0") {
		t.Fatalf("verdict line: %s", r)
	}
}

func TestVerifyWrongValue(t *testing.T) {
	got := replicated(small)
	got[small.Key(1, 2)] = []byte(small.Value(1)) // round 2 never arrived: still v
	r := Verify(small, got, 10)
	if r.OK() || r.Wrong != 1 || r.Missing != 0 {
		t.Fatalf("one stale value judged as %s", r)
	}
	if len(r.First) != 1 || r.First[0].Key != "run1/t1/k2" || r.First[0].Got != "7" {
		t.Fatalf("first mismatches: %v", r.First)
	}
	if !strings.Contains(r.String(), `run1/t1/k2: got "7"`) || !strings.HasPrefix(r.String(), "verdict=FAIL") {
		t.Fatalf("report does not name the key: %s", r)
	}
}

func TestVerifyMissingKey(t *testing.T) {
	got := replicated(small)
	delete(got, small.Key(0, 0))
	got[small.Key(2, 1)] = nil
	r := Verify(small, got, 10)
	if r.OK() || r.Missing != 2 || r.Wrong != 0 {
		t.Fatalf("two missing keys judged as %s", r)
	}
	if !strings.Contains(r.String(), "run1/t0/k0: missing") || !strings.Contains(r.String(), "run1/t2/k1: missing") {
		t.Fatalf("report: %s", r)
	}
}

func TestVerifyLimitsTheList(t *testing.T) {
	r := Verify(small, map[string][]byte{}, 3)
	if r.Missing != 12 || len(r.First) != 3 {
		t.Fatalf("empty recovery cluster: %s", r)
	}
}

func TestEmptyPlanIsNotAPass(t *testing.T) {
	if (Report{}).OK() {
		t.Fatal("a check of zero keys must not pass")
	}
}
