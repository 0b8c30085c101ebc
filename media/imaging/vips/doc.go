// Package vips is the libvips processor (through govips): shrink-on-load
// decoding, progressive JPEGs and libwebp, several times faster than the
// pure-Go processor. It needs cgo and libvips (Debian: libvips-dev), so it
// is built only with -tags vips; the Makefile adds the tag when pkg-config
// finds libvips. Without the tag this package is empty and Pinhole uses
// imaging.Pure.
package vips
