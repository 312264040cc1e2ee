package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

func put(c int, k, v string, call, ret int64) Recorded {
	return Recorded{Client: c, In: Input{Put: true, Key: k, Value: v}, Call: call, Return: ret}
}
func get(c int, k, v string, call, ret int64) Recorded {
	return Recorded{Client: c, In: Input{Key: k}, Out: Output{Value: v}, Call: call, Return: ret}
}

func check(t *testing.T, calls []Recorded) porcupine.CheckResult {
	t.Helper()
	res, _ := porcupine.CheckOperationsVerbose(kvModel, History(calls, 1000), 5*time.Second)
	return res
}

func TestSequentialReadsOfTheLastPutAreLinearizable(t *testing.T) {
	if r := check(t, []Recorded{put(0, "a", "1", 0, 10), get(1, "a", "1", 20, 30), put(0, "b", "2", 5, 15), get(1, "b", "2", 40, 50)}); r != porcupine.Ok {
		t.Fatalf("got %s, want Ok", r)
	}
}

func TestStaleReadAfterAFinishedPutIsIllegal(t *testing.T) {
	// put(a,2) returned at 30; a get starting at 40 still reads 1.
	calls := []Recorded{put(0, "a", "1", 0, 10), put(0, "a", "2", 20, 30), get(1, "a", "1", 40, 50)}
	if r := check(t, calls); r != porcupine.Illegal {
		t.Fatalf("got %s, want Illegal", r)
	}
}

func TestConcurrentPutMayBeReadEitherWay(t *testing.T) {
	for _, v := range []string{"1", "2"} {
		calls := []Recorded{put(0, "a", "1", 0, 10), put(0, "a", "2", 20, 60), get(1, "a", v, 30, 40)}
		if r := check(t, calls); r != porcupine.Ok {
			t.Fatalf("read %s during the put: got %s, want Ok", v, r)
		}
	}
}

func TestUnknownPutMayTakeEffectLaterAndFailedGetsAreIgnored(t *testing.T) {
	unknown := put(0, "a", "2", 20, 25)
	unknown.Out.Unknown = true
	failed := get(1, "a", "never-written", 26, 27)
	failed.Failed = true
	calls := []Recorded{put(0, "a", "1", 0, 10), unknown, failed, get(1, "a", "1", 30, 40), get(1, "a", "2", 50, 60)}
	if r := check(t, calls); r != porcupine.Ok {
		t.Fatalf("got %s, want Ok", r)
	}
	// A value nobody wrote is never linearizable.
	if r := check(t, append(calls, get(1, "a", "3", 70, 80))); r != porcupine.Illegal {
		t.Fatalf("read of an unwritten value: got %s, want Illegal", r)
	}
}

func TestVisualizationIsWritten(t *testing.T) {
	res, info := porcupine.CheckOperationsVerbose(kvModel, History([]Recorded{put(0, "a", "1", 0, 10), get(1, "a", "1", 20, 30)}, 100), time.Second)
	if res != porcupine.Ok {
		t.Fatalf("got %s", res)
	}
	p := filepath.Join(t.TempDir(), "history.html")
	if err := porcupine.VisualizePath(kvModel, info, p); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(p); err != nil || st.Size() < 1000 {
		t.Fatalf("history.html: %v %v", st, err)
	}
}

func TestEveryRunGetsAFreshKeyPrefix(t *testing.T) {
	a, err := parseFlags([]string{"--endpoints", "http://127.0.0.1:2379"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond)
	b, _ := parseFlags([]string{"--endpoints", "http://127.0.0.1:2379"})
	if a.prefix == b.prefix || a.prefix == "" {
		t.Fatalf("prefixes %q and %q: a run would read the previous run's values as unwritten", a.prefix, b.prefix)
	}
	for _, bad := range [][]string{{}, {"--endpoints", "127.0.0.1:2379"}, {"--endpoints", "http://a:1", "--keys", "0"}, {"--endpoints", "http://a:1", "--serve"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
