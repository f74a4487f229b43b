//go:build !race

package lessons

const raceBuild = false
