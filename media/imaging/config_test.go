package imaging

import "testing"

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	valid := NewDefaultConfig()
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr bool
	}{
		{"AcceptsDefaults", func(*Config) {}, false},
		{"AcceptsSmallLimits", func(c *Config) { c.MaxPixels, c.Quality = 1, 1 }, false},
		{"RejectsZeroMaxPixels", func(c *Config) { c.MaxPixels = 0 }, true},
		{"RejectsNegativeMaxPixels", func(c *Config) { c.MaxPixels = -1 }, true},
		{"RejectsMaxPixelsBeyondMaxSide", func(c *Config) { c.MaxPixels = MaxSide*MaxSide + 1 }, true},
		{"RejectsZeroQuality", func(c *Config) { c.Quality = 0 }, true},
		{"RejectsQualityOver100", func(c *Config) { c.Quality = 101 }, true},
		{"RejectsZeroValue", func(c *Config) { *c = Config{} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.edit(&c)
			if err := c.Validate(); (err != nil) != tt.wantErr {
				t.Errorf("Validate() = %v, want error: %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewDefaultConfig(t *testing.T) {
	t.Parallel()
	got := NewDefaultConfig()
	want := Config{MaxPixels: 50_000_000, Quality: 85, WebPQuality: 80}
	if got != want {
		t.Errorf("NewDefaultConfig() = %+v, want %+v", got, want)
	}
}
