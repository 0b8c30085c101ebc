package localcluster

import (
	"fmt"
	"strings"
)

// The sections of deploy/haproxy/haproxy.cfg the launcher rewrites.
const (
	frontendSection = "frontend pinhole"
	statsSection    = "frontend stats"
	backendSection  = "backend pinhole_web"
)

// haproxyConfig turns the operators' HAProxy configuration into the local
// cluster's: the frontend binds lb, the statistics page binds stats, and
// the backend's server lines become one per address in servers, named
// web1, web2, … and keeping the options of the template's first server
// line (its health check). Everything else — timeouts, checks, retries —
// is the operators' file as it is, so the cluster tests what they run.
func haproxyConfig(template, lb, stats string, servers []string) (string, error) {
	if len(servers) == 0 {
		return "", fmt.Errorf("haproxy: no web nodes")
	}
	var out []string
	section := ""
	done := map[string]bool{} // sections whose lines were already replaced
	for _, line := range strings.Split(template, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			out = append(out, line)
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			section = strings.Join(strings.Fields(stripComment(line)), " ")
			out = append(out, line)
			continue
		}
		fields := strings.Fields(stripComment(trimmed))
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		switch {
		case (section == frontendSection || section == statsSection) && fields[0] == "bind":
			if done[section] {
				continue // only the first bind line survives
			}
			done[section] = true
			addr := lb
			if section == statsSection {
				addr = stats
			}
			out = append(out, indent+"bind "+addr)
		case section == backendSection && fields[0] == "server":
			if done[section] {
				continue
			}
			done[section] = true
			if len(fields) < 3 {
				return "", fmt.Errorf("haproxy: template server line %q has no address", trimmed)
			}
			opts := strings.Join(fields[3:], " ")
			for i, addr := range servers {
				s := fmt.Sprintf("%sserver web%d %s", indent, i+1, addr)
				if opts != "" {
					s += " " + opts
				}
				out = append(out, s)
			}
		default:
			out = append(out, line)
		}
	}
	for _, s := range []string{frontendSection, statsSection, backendSection} {
		if !done[s] {
			return "", fmt.Errorf("haproxy: the template has no %q section with a bind or server line to rewrite", s)
		}
	}
	return strings.Join(out, "\n"), nil
}

func stripComment(s string) string {
	if i := strings.Index(s, "#"); i >= 0 {
		return s[:i]
	}
	return s
}
