package tokenauth

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
)

// The format of keystonemiddleware's entries in memcached, from its
// auth_token/_cache.py and _memcache_crypt.py, so that Python services
// and pasteserve naming the same memcached_servers share one cache.
//
// With memcache_security_strategy = None the key is
// "tokens/" + hex(SHA-256(token)) and the value the JSON of the token
// document, {"token": {...}}, as Keystone's validation returned it.
//
// With MAC or ENCRYPT, HMAC-SHA-384 of token+strategy under
// memcache_secret_key gives 48 bytes: the first 16 name the entry, the
// next 16 are the MAC key and the last 16 the AES-128 key. The key is
// "tokens/b'" + base64(first 16) + "'": Python 3 formats the bytes that
// base64 returns with their b'' around them, and every keystonemiddleware
// in a fleet does, so pasteserve writes them too. The value is
// base64(HMAC-SHA-384(MAC key, payload)) followed by payload, where
// payload is base64(JSON) under MAC and base64(IV + AES-CBC(JSON,
// PKCS#7 padded)) under ENCRYPT.
//
// strategy is the option's value as written: keystonemiddleware derives
// the keys from it unchanged (so "mac" and "MAC" name other entries) and
// encrypts only when it is exactly "ENCRYPT" ("encrypt" only MACs).

// memcacheKeys are the keys derived for one token.
type memcacheKeys struct {
	cacheKey string // the memcached key
	mac      []byte // nil under None
	enc      []byte // nil unless ENCRYPT
}

// macDigestLen is the length of the base64 MAC that starts a protected
// value: SHA-384's 48 bytes in base64.
var macDigestLen = base64.StdEncoding.EncodedLen(sha512.Size384)

// deriveMemcacheKeys is _cache's _get_cache_key: the plain key under
// None (secret nil), derive_keys and get_cache_key otherwise.
func deriveMemcacheKeys(token string, secret []byte, strategy string) memcacheKeys {
	if secret == nil {
		sum := sha256.Sum256([]byte(token))
		return memcacheKeys{cacheKey: "tokens/" + hex.EncodeToString(sum[:])}
	}
	m := hmac.New(sha512.New384, secret)
	m.Write([]byte(token))
	m.Write([]byte(strategy))
	d := m.Sum(nil)
	split := len(d) / 3
	k := memcacheKeys{
		cacheKey: "tokens/b'" + base64.StdEncoding.EncodeToString(d[:split]) + "'",
		mac:      d[split : 2*split],
	}
	if strategy == "ENCRYPT" {
		k.enc = d[2*split:]
	}
	return k
}

// protect is protect_data: the value stored for the JSON doc.
func (k memcacheKeys) protect(doc []byte) ([]byte, error) {
	if k.mac == nil {
		return doc, nil
	}
	data := doc
	if k.enc != nil {
		block, err := aes.NewCipher(k.enc)
		if err != nil {
			return nil, err
		}
		pad := aes.BlockSize - len(doc)%aes.BlockSize
		plain := append(bytes.Clone(doc), bytes.Repeat([]byte{byte(pad)}, pad)...)
		data = make([]byte, aes.BlockSize+len(plain))
		iv := data[:aes.BlockSize]
		if _, err := rand.Read(iv); err != nil {
			return nil, err
		}
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(data[aes.BlockSize:], plain)
	}
	encoded := base64.StdEncoding.AppendEncode(nil, data)
	out := k.sign(encoded)
	return append(out, encoded...), nil
}

// sign is sign_data: the base64 HMAC-SHA-384 of data.
func (k memcacheKeys) sign(data []byte) []byte {
	m := hmac.New(sha512.New384, k.mac)
	m.Write(data)
	return base64.StdEncoding.AppendEncode(nil, m.Sum(nil))
}

var errMemcacheEntry = errors.New("the cache entry fails its MAC check or does not decrypt: changed in memcached, or written with another memcache_secret_key")

// unprotect is unprotect_data: the JSON doc of a stored value, or
// errMemcacheEntry when its MAC does not match or it does not decrypt.
func (k memcacheKeys) unprotect(value []byte) ([]byte, error) {
	if k.mac == nil {
		return value, nil
	}
	if len(value) < macDigestLen {
		return nil, errMemcacheEntry
	}
	mac, encoded := value[:macDigestLen], value[macDigestLen:]
	if !hmac.Equal(mac, k.sign(encoded)) {
		return nil, errMemcacheEntry
	}
	data, err := base64.StdEncoding.AppendDecode(nil, encoded)
	if err != nil {
		return nil, errMemcacheEntry
	}
	if k.enc == nil {
		return data, nil
	}
	if len(data) < 2*aes.BlockSize || len(data)%aes.BlockSize != 0 {
		return nil, errMemcacheEntry
	}
	block, err := aes.NewCipher(k.enc)
	if err != nil {
		return nil, err
	}
	plain := data[aes.BlockSize:]
	cipher.NewCBCDecrypter(block, data[:aes.BlockSize]).CryptBlocks(plain, plain)
	pad := int(plain[len(plain)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, errMemcacheEntry
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, errMemcacheEntry
		}
	}
	return plain[:len(plain)-pad], nil
}
