package main

import (
	"fmt"
	"sort"

	"github.com/anishathalye/porcupine"
)

// Input is one recorded call: a put of Value, or a linearizable get, on Key.
type Input struct {
	Put   bool
	Key   string
	Value string
}

// Output is what the call returned: the value a get read ("" when the key is absent).
// Unknown marks a put whose outcome the client never learnt (timeout, lost connection): it may
// or may not have been applied, so the history records it as returning at the end.
type Output struct {
	Value   string
	Unknown bool
}

// kvModel is a register per key: a get must read the last put's value. Partitioned by key,
// which porcupine checks independently (linearizability is local: Herlihy & Wing 1990).
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(Input).Key
			byKey[k] = append(byKey[k], op)
		}
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		in, out := input.(Input), output.(Output)
		if in.Put {
			return true, in.Value
		}
		return out.Value == state.(string), state
	},
	Equal: func(a, b interface{}) bool { return a.(string) == b.(string) },
	DescribeOperation: func(input, output interface{}) string {
		in, out := input.(Input), output.(Output)
		switch {
		case in.Put && out.Unknown:
			return fmt.Sprintf("put(%s, %s) -> unknown", in.Key, in.Value)
		case in.Put:
			return fmt.Sprintf("put(%s, %s)", in.Key, in.Value)
		default:
			return fmt.Sprintf("get(%s) -> %q", in.Key, out.Value)
		}
	},
	DescribeState: func(state interface{}) string { return fmt.Sprintf("%q", state) },
}

// Recorded is one finished call with its client-side call and return times (nanoseconds on
// the checker's monotonic clock).
type Recorded struct {
	Client       int
	In           Input
	Out          Output
	Call, Return int64
	// Failed: a get that returned an error (it observed nothing, so it is left out).
	Failed bool
}

// History turns recorded calls into porcupine operations: failed gets dropped, unknown puts
// returning at `end` (after every other call), so they may take effect anywhere after their call.
func History(calls []Recorded, end int64) []porcupine.Operation {
	ops := make([]porcupine.Operation, 0, len(calls))
	for _, c := range calls {
		if c.Failed {
			continue
		}
		ret := c.Return
		if c.Out.Unknown {
			ret = end
		}
		ops = append(ops, porcupine.Operation{ClientId: c.Client, Input: c.In, Call: c.Call, Output: c.Out, Return: ret})
	}
	return ops
}
