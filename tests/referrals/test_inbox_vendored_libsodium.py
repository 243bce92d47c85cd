"""The inbox serves libsodium.js from its own copy (referrals/inbox/static/vendor), so servers
need no Node.js. That copy must be byte for byte what the pinned npm packages hold."""

import json

from referral_helpers import ROOT

VENDOR = ROOT / "referrals" / "inbox" / "static" / "vendor"
COPIES = {
    "libsodium-sumo.js": ("libsodium-sumo", "dist/modules-sumo/libsodium-sumo.js"),
    "libsodium-wrappers-sumo.js": ("libsodium-wrappers-sumo", "dist/modules-sumo/libsodium-wrappers.js"),
    "LICENSE-libsodium.txt": ("libsodium-sumo", "LICENSE"),
}


def test_the_vendored_libsodium_is_the_pinned_npm_package_byte_for_byte():
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]["libsodium-wrappers-sumo"]
    for copy, (package, path) in COPIES.items():
        installed = ROOT / "node_modules" / package
        assert installed.is_dir(), f"node_modules/{package} is missing: run `npm ci`"
        assert lock[f"node_modules/{package}"]["version"] == pinned, f"{package} in package-lock.json is not {pinned}"
        version = json.loads((installed / "package.json").read_text(encoding="utf-8"))["version"]
        assert version == pinned, f"node_modules has {package} {version}, package-lock.json pins {pinned}: run `npm ci`"
        assert (VENDOR / copy).read_bytes() == (installed / path).read_bytes(), (
            f"referrals/inbox/static/vendor/{copy} differs from {package}@{pinned}'s {path}: copy it again"
        )
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert f"libsodium-wrappers-sumo@{pinned}" in readme and f"libsodium-sumo@{pinned}" in readme
