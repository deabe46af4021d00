package smpp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Config describes one ESME bind.
type Config struct {
	Addr       string // host:port of the SMSC
	SystemID   string
	Password   string
	SystemType string
	// Dial connects (the egress policy's DialContext for tenants' SMSCs);
	// nil uses net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// EnquireLink is the keep-alive interval (default 30s); a link that
	// does not answer within Timeout is closed.
	EnquireLink time.Duration
	// Timeout bounds each request's wait for its response (default 10s).
	Timeout time.Duration
	// OnDeliver receives each deliver_sm (receipts and mobile-originated
	// messages) on the session's reader goroutine; it returns the
	// command_status of the response (StatusOK to acknowledge). Nil
	// acknowledges and drops them.
	OnDeliver func(*SM) uint32
	Logger    *slog.Logger
}

// Session is a bound transceiver session.
type Session struct {
	cfg  Config
	conn net.Conn
	log  *slog.Logger

	wmu sync.Mutex // serialises writes

	mu      sync.Mutex
	seq     uint32
	waiting map[uint32]chan PDU
	err     error
	done    chan struct{}
}

// Dial connects and binds as a transceiver.
func Dial(ctx context.Context, cfg Config) (*Session, error) {
	if cfg.EnquireLink <= 0 {
		cfg.EnquireLink = 30 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	dial := cfg.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	body, err := Bind{SystemID: cfg.SystemID, Password: cfg.Password, SystemType: cfg.SystemType, Version: 0x34}.Marshal()
	if err != nil {
		return nil, err
	}
	conn, err := dial(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("smpp: connect %s: %w", cfg.Addr, err)
	}
	s := &Session{cfg: cfg, conn: conn, log: cfg.Logger.With("smsc", cfg.Addr), waiting: map[uint32]chan PDU{}, done: make(chan struct{})}
	go s.read()
	resp, err := s.request(ctx, BindTransceiver, body)
	if err != nil {
		s.close(err)
		return nil, fmt.Errorf("smpp: bind_transceiver to %s as %q: %w", cfg.Addr, cfg.SystemID, err)
	}
	if _, err := ReadCString(resp.Body, "bind_transceiver_resp"); err != nil {
		s.close(err)
		return nil, err
	}
	go s.keepAlive()
	return s, nil
}

// Done is closed when the session ends; Err tells why.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err is why the session ended (nil while it is up).
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Submit sends one submit_sm and returns the SMSC's message id.
func (s *Session) Submit(ctx context.Context, m *SM) (string, error) {
	body, err := m.Marshal()
	if err != nil {
		return "", err
	}
	resp, err := s.request(ctx, SubmitSM, body)
	if err != nil {
		return "", err
	}
	id, err := ReadCString(resp.Body, "submit_sm_resp")
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", errors.New("smpp: submit_sm_resp without a message_id")
	}
	return id, nil
}

// Close unbinds (waiting at most Timeout for the answer) and closes.
func (s *Session) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	defer cancel()
	_, err := s.request(ctx, Unbind, nil)
	s.close(errors.New("smpp: session closed"))
	if errors.Is(err, errClosed) {
		return nil
	}
	return err
}

var errClosed = errors.New("smpp: session closed")

func (s *Session) request(ctx context.Context, id uint32, body []byte) (PDU, error) {
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return PDU{}, fmt.Errorf("%w: %w", errClosed, err)
	}
	s.seq++
	if s.seq > 0x7FFFFFFF {
		s.seq = 1
	}
	seq := s.seq
	ch := make(chan PDU, 1)
	s.waiting[seq] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.waiting, seq)
		s.mu.Unlock()
	}()
	if err := s.write(PDU{ID: id, Seq: seq, Body: body}); err != nil {
		return PDU{}, err
	}
	t := time.NewTimer(s.cfg.Timeout)
	defer t.Stop()
	select {
	case p := <-ch:
		if p.ID == GenericNack {
			return p, &StatusError{Command: id, Status: p.Status}
		}
		if p.ID != id|0x80000000 {
			return p, fmt.Errorf("smpp: answer 0x%08x to command 0x%08x", p.ID, id)
		}
		if p.Status != StatusOK {
			return p, &StatusError{Command: id, Status: p.Status}
		}
		return p, nil
	case <-s.done:
		return PDU{}, fmt.Errorf("%w: %w", errClosed, s.Err())
	case <-t.C:
		err := fmt.Errorf("smpp: no answer to command 0x%08x within %s", id, s.cfg.Timeout)
		s.close(err)
		return PDU{}, err
	case <-ctx.Done():
		return PDU{}, ctx.Err()
	}
}

func (s *Session) write(p PDU) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.conn.SetWriteDeadline(time.Now().Add(s.cfg.Timeout))
	if _, err := s.conn.Write(p.Bytes()); err != nil {
		err = fmt.Errorf("smpp: write to %s: %w", s.cfg.Addr, err)
		s.close(err)
		return err
	}
	return nil
}

func (s *Session) close(err error) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return
	}
	s.err = err
	close(s.done)
	s.mu.Unlock()
	_ = s.conn.Close()
}

func (s *Session) read() {
	for {
		p, err := ReadPDU(s.conn)
		if err != nil {
			s.close(fmt.Errorf("smpp: read from %s: %w", s.cfg.Addr, err))
			return
		}
		if p.ID&0x80000000 != 0 {
			s.mu.Lock()
			ch := s.waiting[p.Seq]
			s.mu.Unlock()
			if ch != nil {
				ch <- p
			} else {
				s.log.Warn("smpp: response to no request", "command", fmt.Sprintf("0x%08x", p.ID), "seq", p.Seq)
			}
			continue
		}
		switch p.ID {
		case DeliverSM:
			status := StatusOK
			m, err := UnmarshalSM(p.Body)
			if err != nil {
				s.log.Warn("smpp: bad deliver_sm", "err", err)
				status = StatusInvMsgLen
			} else if s.cfg.OnDeliver != nil {
				status = s.cfg.OnDeliver(m)
			}
			_ = s.write(PDU{ID: DeliverSMResp, Status: status, Seq: p.Seq, Body: CString("")})
		case EnquireLink:
			_ = s.write(PDU{ID: EnquireLinkResp, Seq: p.Seq})
		case Unbind:
			_ = s.write(PDU{ID: UnbindResp, Seq: p.Seq})
			s.close(errors.New("smpp: the SMSC unbound"))
			return
		default:
			_ = s.write(PDU{ID: GenericNack, Status: StatusInvCmdID, Seq: p.Seq})
		}
	}
}

func (s *Session) keepAlive() {
	t := time.NewTicker(s.cfg.EnquireLink)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
			_, err := s.request(ctx, EnquireLink, nil)
			cancel()
			if err != nil {
				s.close(fmt.Errorf("smpp: enquire_link: %w", err))
				return
			}
		}
	}
}
