package extract

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrLockHeld is returned when another session holds the named lock.
var ErrLockHeld = errors.New("held by another session")

// Lock is a named advisory lock on the source server (GET_LOCK), held by a
// connection of its own; the server releases it if that connection dies.
// It needs no privilege, so a read-only account can take it.
type Lock struct {
	conn *sql.Conn
	name string
}

// Lock takes the lock called name, waiting up to wait (whole seconds).
func (s *Source) Lock(ctx context.Context, name string, wait time.Duration) (*Lock, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", s.dsn, err)
	}
	var got sql.NullInt64
	secs := int64(wait / time.Second)
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", name, secs).Scan(&got); err != nil {
		conn.Close()
		return nil, fmt.Errorf("taking lock %s on %s: %w", name, s.dsn, err)
	}
	if !got.Valid || got.Int64 != 1 {
		var holder sql.NullInt64
		conn.QueryRowContext(ctx, "SELECT IS_USED_LOCK(?)", name).Scan(&holder)
		conn.Close()
		who := "another session"
		if holder.Valid {
			who = fmt.Sprintf("connection %d", holder.Int64)
		}
		return nil, fmt.Errorf("lock %s on %s is %w (%s)", name, s.dsn, ErrLockHeld, who)
	}
	return &Lock{conn: conn, name: name}, nil
}

// Release gives the lock back and closes its connection.
func (l *Lock) Release() error {
	_, err := l.conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK(?)", l.name)
	if cerr := l.conn.Close(); err == nil {
		err = cerr
	}
	return err
}
