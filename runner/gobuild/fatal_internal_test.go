package gobuild

import (
	"strings"
	"testing"
)

// The runtime's "fatal error:" line ends the program however the pipe
// hands it over: split between writes, or opening a chunk of 32 KiB (what
// a reader on a busy machine gets, the stacks of a million goroutines
// behind the line).
func TestFatalLineIsSeenInAnyChunk(t *testing.T) {
	stacks := strings.Repeat("goroutine 7 [chan receive]:\n\tmain.main.func1()\n", 700)
	for name, writes := range map[string][]string{
		"opening a big chunk":  {"fatal error: runtime: out of memory\n\nruntime stack:\n" + stacks},
		"split between writes": {stacks[:5000] + "fatal err", "or: runtime: out of memory\n" + stacks},
		"after a big chunk":    {stacks, stacks + "fatal error: no more threads\n"},
		"a crash on a signal":  {"SIGSEGV: segmentation violation\nPC=0x432fdd m=4 sigcode=1 addr=0x0\n\n" + stacks},
	} {
		fired := 0
		w := &fatalWatch{then: func() { fired++ }}
		for _, p := range writes {
			if n, err := w.Write([]byte(p)); n != len(p) || err != nil {
				t.Fatalf("%s: Write = %d, %v", name, n, err)
			}
		}
		if fired != 1 {
			t.Errorf("%s: the program was ended %d times, want once", name, fired)
		}
	}
}
