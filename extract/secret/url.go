package secret

import (
	"net/url"
	"slices"
	"strings"
)

// RedactURL returns the scheme and host of a URL,
// "https://qyapi.weixin.qq.com", which is all of it that may be shown;
// "(invalid URL)" when it has none.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
}

// URLParts lists the parts of a URL that may be a token: the whole URL,
// its user info, query and fragment, every query value and every path
// segment that looks like one (decoded too): 16 characters or more, or 8
// or more with a digit, such as Feishu's and Slack's tokens, but not
// "services" or "retention", which masked everywhere would garble
// ordinary text. A URL that does not parse is one part, whole.
func URLParts(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return []string{raw}
	}
	list := []string{raw, u.RawQuery, u.Fragment}
	if u.User != nil {
		p, _ := u.User.Password()
		list = append(list, u.User.Username(), p)
	}
	for _, vs := range u.Query() {
		list = append(list, vs...)
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if len(seg) >= 16 || len(seg) >= 8 && strings.ContainsAny(seg, "0123456789") {
			list = append(list, seg)
			if dec, err := url.PathUnescape(seg); err == nil && dec != seg {
				list = append(list, dec)
			}
		}
	}
	return slices.DeleteFunc(list, func(s string) bool { return s == "" })
}
