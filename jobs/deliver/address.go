package deliver

import (
	"fmt"
	"net/mail"

	"retention/config/endpoint"
)

// parseAddresses parses a message's To list, each address by the rules
// of endpoint.ParseAddress.
func parseAddresses(list []string) ([]*mail.Address, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("no recipient")
	}
	out := make([]*mail.Address, 0, len(list))
	for _, s := range list {
		a, err := endpoint.ParseAddress(s)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
