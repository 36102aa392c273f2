//go:build !linux

package history

import "errors"

func exchange(a, b string) error { return errors.New("atomic exchange not supported") }
