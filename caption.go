package pinhole

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token kinds in a caption.
const (
	TextSegment    = iota
	HashtagSegment // Value: the tag without '#', as written
	MentionSegment // Value: the username without '@', as written
	URLSegment
)

// Segment is a piece of caption text.
type Segment struct {
	Kind  int
	Text  string // as written, including '#' or '@'
	Value string
}

// ParseCaption splits text into plain text, #hashtags, @mentions and links.
// Hashtags take Unicode letters, digits and '_' and must hold a letter;
// mentions follow username rules; both must start the text or follow a
// character that is not part of a word.
func ParseCaption(text string) []Segment {
	var out []Segment
	start := 0
	flush := func(end int) {
		if end > start {
			out = append(out, Segment{Kind: TextSegment, Text: text[start:end]})
		}
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		prevOK := i == 0
		if !prevOK {
			p, _ := utf8.DecodeLastRuneInString(text[:i])
			prevOK = !isWordRune(p) && p != '#' && p != '@' && p != '/'
		}
		switch {
		case r == '#' && prevOK:
			j := i + size
			hasLetter := false
			for j < len(text) {
				c, n := utf8.DecodeRuneInString(text[j:])
				if !isWordRune(c) {
					break
				}
				hasLetter = hasLetter || unicode.IsLetter(c)
				j += n
			}
			if hasLetter && j-i-1 <= 100 {
				flush(i)
				out = append(out, Segment{Kind: HashtagSegment, Text: text[i:j], Value: text[i+1 : j]})
				start, i = j, j
				continue
			}
		case r == '@' && prevOK:
			j := i + 1
			for j < len(text) && isUsernameByte(text[j]) {
				j++
			}
			for j > i+1 && text[j-1] == '.' {
				j-- // a trailing period ends the sentence, not the name
			}
			if j > i+1 && j-i-1 <= MaxUsernameLen {
				flush(i)
				out = append(out, Segment{Kind: MentionSegment, Text: text[i:j], Value: text[i+1 : j]})
				start, i = j, j
				continue
			}
		case (r == 'h') && prevOK && (strings.HasPrefix(text[i:], "https://") || strings.HasPrefix(text[i:], "http://")):
			j := i
			for j < len(text) && !unicode.IsSpace(rune(text[j])) && text[j] < utf8.RuneSelf && text[j] != '<' && text[j] != '>' && text[j] != '"' {
				j++
			}
			for j > i && strings.ContainsRune(".,:;!?)'", rune(text[j-1])) {
				j--
			}
			if j > i+len("https://") {
				flush(i)
				out = append(out, Segment{Kind: URLSegment, Text: text[i:j], Value: text[i:j]})
				start, i = j, j
				continue
			}
		}
		i += size
	}
	flush(len(text))
	return out
}

// CaptionTags returns the distinct lower-cased hashtags of text, in order.
func CaptionTags(text string) []string {
	var tags []string
	seen := map[string]bool{}
	for _, s := range ParseCaption(text) {
		if s.Kind == HashtagSegment {
			t := strings.ToLower(s.Value)
			if !seen[t] && len(tags) < MaxHashtags {
				seen[t] = true
				tags = append(tags, t)
			}
		}
	}
	return tags
}

// CaptionMentions returns the distinct normalized usernames mentioned.
func CaptionMentions(text string) []string {
	var names []string
	seen := map[string]bool{}
	for _, s := range ParseCaption(text) {
		if s.Kind == MentionSegment {
			n := NormalizeUsername(s.Value)
			if !seen[n] && len(names) < MaxMentions {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	return names
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isUsernameByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '.'
}
