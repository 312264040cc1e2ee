// Package plan holds the pure logic of the RawKV CDC correctness workload: which keys it
// writes, which values, and how the recovery cluster's answer is judged. It needs no TiKV
// client, so `go test ./plan` runs anywhere.
//
// The workload (the test plan of the RawKV CDC lab): N threads × M keys; each thread PUTs
// (k{m}, v) for every m, then (k{m}, v+1); afterwards every key must read v+1 on the
// recovery cluster.
package plan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Plan is one run of the workload.
type Plan struct {
	// Prefix makes the keys of one run distinct from every other run's, so an earlier run's
	// replicated keys can never make a later check pass.
	Prefix string
	// Threads is N, the number of concurrent writers (≥ 1).
	Threads int
	// Keys is M, the number of keys per writer (≥ 1).
	Keys int
	// Base is v: round 1 writes v, round 2 writes v+1.
	Base uint64
}

// Validate reports a plan that cannot run.
func (p Plan) Validate() error {
	switch {
	case p.Prefix == "":
		return fmt.Errorf("plan: empty key prefix")
	case p.Threads < 1:
		return fmt.Errorf("plan: threads must be ≥ 1, got %d", p.Threads)
	case p.Keys < 1:
		return fmt.Errorf("plan: keys must be ≥ 1, got %d", p.Keys)
	}
	return nil
}

// Total is N × M, the number of distinct keys.
func (p Plan) Total() int { return p.Threads * p.Keys }

// Key is key m of thread t: `<prefix>/t<t>/k<m>` (t in 0..N-1, m in 0..M-1).
func (p Plan) Key(t, m int) string { return fmt.Sprintf("%s/t%d/k%d", p.Prefix, t, m) }

// Value is what round 1 (v) or round 2 (v+1) writes, as decimal text.
func (p Plan) Value(round int) string {
	return strconv.FormatUint(p.Base+uint64(round-1), 10)
}

// Expected is the value every key must hold once both rounds are replicated: v+1.
func (p Plan) Expected() string { return p.Value(2) }

// ThreadKeys lists thread t's keys in write order.
func (p Plan) ThreadKeys(t int) []string {
	keys := make([]string, p.Keys)
	for m := range keys {
		keys[m] = p.Key(t, m)
	}
	return keys
}

// AllKeys lists every key of the plan, thread by thread.
func (p Plan) AllKeys() []string {
	keys := make([]string, 0, p.Total())
	for t := 0; t < p.Threads; t++ {
		keys = append(keys, p.ThreadKeys(t)...)
	}
	return keys
}

// Batches splits keys into slices of at most size keys (the checker's BatchGet unit).
func Batches(keys []string, size int) [][]string {
	if size < 1 {
		size = 1
	}
	var out [][]string
	for len(keys) > 0 {
		n := size
		if len(keys) < n {
			n = len(keys)
		}
		out = append(out, keys[:n])
		keys = keys[n:]
	}
	return out
}

// Mismatch is one key that does not read v+1 on the recovery cluster.
type Mismatch struct {
	Key string
	// Got is the value read; empty when Missing.
	Got     string
	Missing bool
}

func (m Mismatch) String() string {
	if m.Missing {
		return m.Key + ": missing"
	}
	return fmt.Sprintf("%s: got %q", m.Key, m.Got)
}

// Report is the checker's verdict.
type Report struct {
	Checked int
	Wrong   int
	Missing int
	// Expected is the value every key should hold.
	Expected string
	// First holds up to the report limit of mismatches, in key order.
	First []Mismatch
}

// OK is true when every key of the plan reads the expected value.
func (r Report) OK() bool { return r.Checked > 0 && r.Wrong == 0 && r.Missing == 0 }

// String is the verdict line the checker prints, then one line per listed mismatch.
func (r Report) String() string {
	verdict := "PASS"
	if !r.OK() {
		verdict = "FAIL"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "verdict=%s checked=%d wrong=%d missing=%d expected=%q", verdict, r.Checked, r.Wrong, r.Missing, r.Expected)
	for _, m := range r.First {
		b.WriteString("\n  ")
		b.WriteString(m.String())
	}
	return b.String()
}

// Verify judges what the recovery cluster returned for the plan's keys. got maps key →
// value; a key absent from got (or mapped to nil) is missing. limit bounds Report.First.
func Verify(p Plan, got map[string][]byte, limit int) Report {
	r := Report{Expected: p.Expected()}
	want := p.Expected()
	keys := p.AllKeys()
	sort.Strings(keys)
	for _, k := range keys {
		r.Checked++
		v, ok := got[k]
		var m *Mismatch
		switch {
		case !ok || v == nil:
			r.Missing++
			m = &Mismatch{Key: k, Missing: true}
		case string(v) != want:
			r.Wrong++
			m = &Mismatch{Key: k, Got: string(v)}
		}
		if m != nil && len(r.First) < limit {
			r.First = append(r.First, *m)
		}
	}
	return r
}
