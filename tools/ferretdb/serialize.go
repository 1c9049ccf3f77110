package main

// FerretDB 1.x carries out an update as "read the documents, change them in
// Go, write them back", with nothing stopping a second update from reading the
// same document in between. Twenty concurrent {$inc: {n: 1}} on one document
// can leave n at 6. MongoDB guarantees that a single-document write is atomic,
// and the app relies on it (the lifetime visit counter), so this proxy sits in
// front of FerretDB and lets one write command run at a time. Reads are not
// held back. Each client connection gets its own connection to FerretDB, so
// replies still pair with their requests.
//
// The proxy also drops FerretDB's replies to requests sent with the
// moreToCome flag (w:0 writes), which MongoDB never answers.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
)

const (
	opMsg         = 2013
	headerLen     = 16
	maxMessageLen = 48 * 1024 * 1024
	// OP_MSG flag: no reply follows (a w:0 write, or one of several exhaust replies)
	flagMoreToCome = 1 << 1
)

// commands that change documents; they run one at a time
var writeCommands = map[string]bool{
	"insert":        true,
	"update":        true,
	"delete":        true,
	"findAndModify": true,
	"findandmodify": true,
}

type message struct {
	raw    []byte
	opCode int32
	flags  uint32
}

func readMessage(r io.Reader) (*message, error) {
	var header [headerLen]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return nil, err
	}

	length := int32(binary.LittleEndian.Uint32(header[0:4]))
	if length < headerLen || length > maxMessageLen {
		return nil, fmt.Errorf("bad message length %d", length)
	}

	raw := make([]byte, length)
	copy(raw, header[:])

	if _, err := io.ReadFull(r, raw[headerLen:]); err != nil {
		return nil, err
	}

	m := &message{raw: raw, opCode: int32(binary.LittleEndian.Uint32(header[12:16]))}
	if m.opCode == opMsg && len(raw) >= headerLen+4 {
		m.flags = binary.LittleEndian.Uint32(raw[headerLen : headerLen+4])
	}

	return m, nil
}

// commandName returns the first key of an OP_MSG body section: the command.
func (m *message) commandName() string {
	if m.opCode != opMsg {
		return ""
	}

	// header, flagBits, section kind 0, BSON length, element type
	i := headerLen + 4
	if len(m.raw) < i+1+4+1 || m.raw[i] != 0 {
		return ""
	}

	i += 1 + 4 + 1
	for j := i; j < len(m.raw); j++ {
		if m.raw[j] == 0 {
			return string(m.raw[i:j])
		}
	}

	return ""
}

type serializer struct {
	backend string
	logger  *slog.Logger
	writes  sync.Mutex
}

func (s *serializer) serve(l net.Listener) {
	for {
		client, err := l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.logger.Error("accept failed", "error", err)
			}

			return
		}

		go s.handle(client)
	}
}

func (s *serializer) handle(client net.Conn) {
	defer client.Close()

	backend, err := net.Dial("tcp", s.backend)
	if err != nil {
		s.logger.Error("cannot reach FerretDB", "error", err)
		return
	}
	defer backend.Close()

	for {
		req, err := readMessage(client)
		if err != nil {
			return
		}

		if err = s.exchange(req, client, backend); err != nil {
			if !errors.Is(err, io.EOF) {
				s.logger.Debug("connection ended", "error", err)
			}

			return
		}
	}
}

// exchange forwards one request and its replies, holding the write lock for
// write commands until FerretDB has answered.
func (s *serializer) exchange(req *message, client, backend net.Conn) error {
	if writeCommands[req.commandName()] {
		s.writes.Lock()
		defer s.writes.Unlock()
	}

	if _, err := backend.Write(req.raw); err != nil {
		return err
	}

	if req.flags&flagMoreToCome != 0 {
		// the client expects no reply (a w:0 write), but FerretDB 1.x ignores
		// the flag and answers anyway; passing that answer on would pair it
		// with the client's next request, so it is read and dropped here
		_, err := readMessage(backend)
		return err
	}

	for {
		reply, err := readMessage(backend)
		if err != nil {
			return err
		}

		if _, err = client.Write(reply.raw); err != nil {
			return err
		}

		if reply.flags&flagMoreToCome == 0 {
			return nil
		}
	}
}
