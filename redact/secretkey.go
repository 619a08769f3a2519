package redact

import "strings"

// IsSecretKey reports whether an attribute of that name holds a secret
// whose value must never be shown. The name is compared in lower case,
// with '_' read as '-'; it is secret when it contains "pass" (password,
// passwd, passphrase, sanpassword), "secret", "token" or "credential", or
// when its last word (after the last '-', '.' or ' ') ends in "key" or
// "keys" and is not "publickey" or preceded by "public" (access-key,
// secret-key, ssh_key, license-key, api-key, private-key, sshkey). The
// environment file's riakcs access-key and secret-key, midokura
// repo-password and <cluster>.storage.sanpassword are secrets; user names
// (repo-username, chapuser) and file paths (cephkeyringfile) are not.
func IsSecretKey(key string) bool {
	k := strings.ReplaceAll(strings.ToLower(key), "_", "-")
	for _, word := range [...]string{"pass", "secret", "token", "credential"} {
		if strings.Contains(k, word) {
			return true
		}
	}
	words := strings.FieldsFunc(k, func(r rune) bool { return r == '-' || r == '.' || r == ' ' })
	if len(words) == 0 {
		return false
	}
	last := strings.TrimSuffix(words[len(words)-1], "s")
	if !strings.HasSuffix(last, "key") || last == "publickey" {
		return false
	}
	return len(words) < 2 || words[len(words)-2] != "public"
}
