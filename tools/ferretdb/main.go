// Command ferretdb runs FerretDB (a MongoDB wire-compatible server backed by
// SQLite) for local development and tests, on machines with no mongod.
//
// Writes go through a small proxy that runs them one at a time (see
// serialize.go). It listens on 127.0.0.1 (a free port by default), prints one line
// "MONGODB_URI=<uri>" on stdout once it accepts connections, and stops
// cleanly on SIGINT/SIGTERM or when its stdin closes (so it never outlives
// the Node process that started it).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (port 0 picks a free port)")
	dir := flag.String("dir", "", "directory for the SQLite files (required)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	watchStdin := flag.Bool("watch-stdin", false, "exit when stdin reaches EOF (the parent process went away)")
	flag.Parse()

	if *dir == "" {
		log.Fatal("ferretdb: -dir is required")
	}

	abs, err := filepath.Abs(*dir)
	if err != nil {
		log.Fatalf("ferretdb: %s", err)
	}

	if err = os.MkdirAll(abs, 0o700); err != nil {
		log.Fatalf("ferretdb: cannot create %s: %s", abs, err)
	}

	var level slog.Level
	if err = level.UnmarshalText([]byte(*logLevel)); err != nil {
		log.Fatalf("ferretdb: bad -log-level: %s", err)
	}

	// logs go to stderr so that stdout carries only the URI line
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// clients talk to the serializing proxy (see serialize.go) on -listen;
	// FerretDB itself listens on another loopback port behind it
	public, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("ferretdb: %s", err)
	}

	// the embeddable package disables and locks telemetry itself
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		log.Fatalf("ferretdb: %s", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan struct{})

	go func() {
		defer close(done)

		if err := f.Run(ctx); err != nil {
			logger.Error("ferretdb stopped", "error", err)
		}
	}()

	backend, err := url.Parse(f.MongoDBURI())
	if err != nil {
		log.Fatalf("ferretdb: %s", err)
	}

	proxy := &serializer{backend: backend.Host, logger: logger}
	go proxy.serve(public)

	go func() {
		<-ctx.Done()
		public.Close()
	}()

	fmt.Printf("MONGODB_URI=mongodb://%s/\n", public.Addr())

	<-done
}
