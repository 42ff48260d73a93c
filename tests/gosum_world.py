"""A small module world for go.sum tests: a file:// proxy, a main module that
`go mod tidy` completed with the real go command, and a populated module cache,
so later go commands run offline (GOPROXY=off) and act as the oracle."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests import gotool


@dataclass
class World:
    env: gotool.GoEnvDirs
    proxy: Path
    app: Path

    @property
    def gosum(self) -> Path:
        return self.app / "go.sum"

    def go_offline(self, *args: str, cwd: Path | None = None) -> tuple[int, str]:
        p = self.env.go(*args, cwd=cwd or self.app, check=False, env={"GOPROXY": "off", "GOFLAGS": "-mod=readonly"})
        return p.returncode, p.stdout + p.stderr


def _pkg(name: str, body: str = "") -> str:
    return f"package {name}\n\nfunc Hello() string {{ return \"{name}\" }}\n{body}"


def build(root: Path, env: gotool.GoEnvDirs) -> World:
    proxy = root / "proxy"
    gotool.add_module(proxy, "example.com/deep", "v1.0.0", {
        "go.mod": "module example.com/deep\n\ngo 1.21\n", "deep.go": _pkg("deep"),
    })
    gotool.add_module(proxy, "example.com/dep", "v1.0.0", {
        "go.mod": "module example.com/dep\n\ngo 1.21\n\nrequire example.com/deep v1.0.0\n",
        "dep.go": 'package dep\n\nimport "example.com/deep"\n\nfunc Hello() string { return deep.Hello() }\n',
    })
    gotool.add_module(proxy, "example.com/third", "v1.0.0", {
        "go.mod": "module example.com/third\n\ngo 1.16\n", "third.go": _pkg("third"),
    })
    gotool.add_module(proxy, "example.com/old", "v1.0.0", {
        "go.mod": "module example.com/old\n\ngo 1.16\n\nrequire example.com/third v1.0.0\n", "old.go": _pkg("old"),
    })
    gotool.add_module(proxy, "example.com/forked", "v1.1.0", {
        "go.mod": "module example.com/orig\n\ngo 1.21\n", "orig.go": _pkg("orig"),
    })
    gotool.add_module(proxy, "example.com/orig", "v1.0.0", {
        "go.mod": "module example.com/orig\n\ngo 1.21\n", "orig.go": _pkg("orig"),
    })
    app = root / "app"
    app.mkdir()
    (app / "go.mod").write_text(
        "module example.com/app\n\ngo 1.21\n\n"
        "require (\n\texample.com/dep v1.0.0\n\texample.com/old v1.0.0\n\texample.com/orig v1.0.0\n)\n\n"
        "replace example.com/orig => example.com/forked v1.1.0\n"
    )
    (app / "main.go").write_text(
        'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/dep"\n\t"example.com/old"\n\t"example.com/orig"\n)\n\n'
        "func main() { fmt.Println(dep.Hello(), old.Hello(), orig.Hello()) }\n"
    )
    online = {"GOPROXY": gotool.proxy_url(proxy), "GOSUMDB": "off", "GOFLAGS": "-mod=mod"}
    env.go("mod", "tidy", cwd=app, env=online)
    env.go("build", "./...", cwd=app, env=online)
    return World(env, proxy, app)
