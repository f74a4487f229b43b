package deploy

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// walkthroughBin is the course's binary built once, by TestMain, with the
// Dockerfile's own go build line: the tests run the very binary the image
// ships. It is set before any test runs and never changed after.
var walkthroughBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "walkthrough-deploy-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	walkthroughBin, err = buildAsImage(dir)
	if err != nil {
		os.RemoveAll(dir)
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code) // Cleanup takes the place of goleak's own exit
	}))
}
