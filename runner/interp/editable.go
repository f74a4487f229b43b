package interp

import (
	"io/fs"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// Editable is the package's Editable for d, asked once per demo and then
// remembered: a server asks it for every page and every edited run.
func (r *Runner) Editable(d *runner.Demo, files fs.FS) (bool, string) {
	why := r.whyNot(d, files)
	return why == "", why
}
