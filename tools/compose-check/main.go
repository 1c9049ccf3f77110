// compose-check loads a Compose file with Docker Compose's own loader
// (compose-go), the way `docker compose config` does: the file is validated
// against the Compose schema, interpolated from the environment and .env,
// normalized and checked for consistency (undefined networks, volumes,
// services). It prints the resolved project as JSON on stdout; an invalid
// file, or any warning the loader logs, exits 1 with the loader's message.
//
//	go build -o bin/compose-check . && bin/compose-check -project-dir ../..
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/sirupsen/logrus"
)

// warnings collects what the loader logs at warning level (an obsolete
// `version`, say), so that it fails the check instead of scrolling past
type warnings struct{ messages []string }

func (w *warnings) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}
}

func (w *warnings) Fire(entry *logrus.Entry) error {
	w.messages = append(w.messages, entry.Message)
	return nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "compose-check: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	projectDir := flag.String("project-dir", ".", "the project directory (where .env and relative paths are resolved)")
	file := flag.String("file", "docker-compose.yml", "the Compose file, relative to the project directory")
	flag.Parse()

	dir, err := filepath.Abs(*projectDir)
	if err != nil {
		fail("%v", err)
	}
	logged := &warnings{}
	logrus.AddHook(logged)
	logrus.SetOutput(os.Stderr)

	// the same options, in the same order, as docker compose's own CLI: the
	// process environment wins over the project's .env
	options, err := cli.NewProjectOptions(
		[]string{filepath.Join(dir, *file)},
		cli.WithWorkingDirectory(dir),
		cli.WithOsEnv,
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithDefaultProfiles(),
	)
	if err != nil {
		fail("%v", err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail("%v", err)
	}
	if len(logged.messages) > 0 {
		for _, message := range logged.messages {
			fmt.Fprintf(os.Stderr, "compose-check: warning: %s\n", message)
		}
		os.Exit(1)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail("%v", err)
	}
	fmt.Println(string(out))
}
