// Package oldcode is the course's appendix "读笔记里的旧代码": every old
// asyncio form the notes use, next to the Python that replaces it, the
// error it gives on Python 3.11 and later, and the lesson that covers it.
// It is a page of text only, with no demos.
package oldcode

import "embed"

// Files is the page's text.
//
//go:embed lesson.md
var Files embed.FS
