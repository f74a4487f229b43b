package main

import (
	"flag"

	"github.com/bingfa-manyou/walkthrough/cmd/internal/cli"
	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// The flags live in cmd/internal/cli, shared with walkthrough-load, which
// starts a course configured by serve's flags. What follows is run's view
// of them, by the names run.go uses.

func runLimitFlags(fs *flag.FlagSet) *runner.Limits { return cli.RunLimitFlags(fs) }

func checkRunLimits(lim runner.Limits) error { return cli.CheckRunLimits(lim) }

// flagSite is the flag site's flags; url and addr are known once config
// has checked them.
type flagSite struct {
	flags     *cli.FlagSite
	url, addr string
}

func flagSiteFlags(fs *flag.FlagSet) *flagSite { return &flagSite{flags: cli.FlagSiteFlags(fs)} }

func (s *flagSite) config() (flagserver.Config, error) {
	cfg, err := s.flags.Config()
	s.url, s.addr = s.flags.URL, s.flags.Addr
	return cfg, err
}
