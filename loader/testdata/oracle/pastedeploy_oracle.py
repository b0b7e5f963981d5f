#!/usr/bin/python3
"""Differential-test oracle: ask the REAL PasteDeploy what it does with a paste file.

Run it with Debian's interpreter, which has ``python3-pastedeploy`` installed::

    /usr/bin/python3 pastedeploy_oracle.py --file api-paste.ini --name main --mode expr
    /usr/bin/python3 pastedeploy_oracle.py --batch < requests.jsonl

Every reference a paste file can make (``egg:``, ``call:``, explicit
``paste.*_factory`` keys, ``require``) resolves to a generated stub, so any file
can be loaded without its real Python code.  Stubs are produced on demand by
one object placed first on ``sys.meta_path`` (``_StubFinder``):

* as an import finder it serves stub packages for the modules PasteDeploy
  imports (only imports started by ``paste.deploy.util.lookup_object`` or
  ``importlib.metadata.EntryPoint.load``), shadowing whatever is installed;
* as an ``importlib.metadata`` distribution finder it answers every
  syntactically valid distribution name with a fake distribution whose entry
  points are chosen from how PasteDeploy is asking for them.

See README.md next to this file for the JSON formats, the ``expr`` grammar, the
stub rules and the known limitations.  Standard library only.
"""

import argparse
import importlib.machinery
import importlib.metadata
import json
import os
import pathlib
import re
import sys
import traceback
import types

from paste.deploy import loadwsgi
from paste.deploy import util as pd_util

# A use/filter-with cycle recurses until this limit; 1000 frames fail in a few
# milliseconds, and legitimate chains stay far below it.
RECURSION_LIMIT = 1000

# ---------------------------------------------------------------------------
# Known composites.  Keys are "module:attr" targets (reached through call: or
# an explicit paste.composite_factory key) or ("egg", normalized dist, entry).
# ---------------------------------------------------------------------------

class Known:
    """A known composite: kind is 'urlmap', 'cascade' or 'selector'; func is the
    real factory's name (for its TypeError message); a selector reads
    global_conf[key] (default when absent, and when empty if empty_is_default);
    a urlmap ignores the local keys in drop."""

    def __init__(self, kind, func, key=None, default=None, empty_is_default=False, drop=()):
        self.kind = kind
        self.func = func
        self.key = key
        self.default = default
        self.empty_is_default = empty_is_default
        self.drop = drop


_URLMAP = Known('urlmap', 'urlmap_factory')
_CASCADE = Known('cascade', 'make_cascade')
KNOWN_COMPOSITES = {
    ('egg', 'paste', 'urlmap'): _URLMAP,
    ('egg', 'paste', 'cascade'): _CASCADE,
    'paste.urlmap:urlmap_factory': _URLMAP,
    'paste.cascade:make_cascade': _CASCADE,
    # nova's urlmap_factory loads its children as Paste's does; its "/+"
    # keys and media-type versions only matter when a request is routed.
    'nova.api.openstack.urlmap:urlmap_factory': _URLMAP,
    # cinder's root_app_factory: Paste's urlmap without /v1 and /v2 (the
    # removed APIs), which it deletes from local_conf with a warning.
    'cinder.api:root_app_factory': Known('urlmap', 'root_app_factory', drop=('/v1', '/v2')),
}

# Pipeline selectors (ANALYSIS.md, "pipeline selector (auth_strategy /
# flavor)"): pick local_conf[<strategy>], where the strategy is read from
# global_conf: auth_strategy (CONF.auth_strategy, default keystone) or flavor
# (glance/heat: CONF.paste_deploy.flavor or 'default').
_AUTH_STRATEGY = ('auth_strategy', 'keystone', False)
_FLAVOR = ('flavor', 'default', True)
PIPELINE_SELECTORS = {
    'neutron.auth:pipeline_factory': _AUTH_STRATEGY,
    'quantum.auth:pipeline_factory': _AUTH_STRATEGY,
    'nova.api.auth:pipeline_factory': _AUTH_STRATEGY,
    'nova.api.auth:pipeline_factory_v21': _AUTH_STRATEGY,
    'cinder.api.auth:pipeline_factory': _AUTH_STRATEGY,
    'cinder.api.middleware.auth:pipeline_factory': _AUTH_STRATEGY,
    'congress.auth:pipeline_factory': _AUTH_STRATEGY,
    'designate.api.middleware:auth_pipeline_factory': _AUTH_STRATEGY,
    'ec2api.api.auth:pipeline_factory': _AUTH_STRATEGY,
    'karbor.api.middleware.auth:pipeline_factory': _AUTH_STRATEGY,
    'manila.api.middleware.auth:pipeline_factory': _AUTH_STRATEGY,
    'masakari.api.auth:pipeline_factory_v1': _AUTH_STRATEGY,
    'tacker.auth:pipeline_factory': _AUTH_STRATEGY,
    'venus.api.middleware.auth:pipeline_factory': _AUTH_STRATEGY,
    'glance.api:pipeline_factory': _FLAVOR,
    'heat.api:pipeline_factory': _FLAVOR,
}
for _target, (_key, _default, _empty) in PIPELINE_SELECTORS.items():
    KNOWN_COMPOSITES[_target] = Known(
        'selector', _target.rsplit(':', 1)[1], _key, _default, _empty
    )

COMPOSITE_PROTOCOLS = ('paste.composite_factory', 'paste.composit_factory')

# Egg entry-point groups the stub distributions use, by PasteDeploy object type.
APP_GROUP = 'paste.app_factory'
COMPOSITE_GROUP = 'paste.composite_factory'
FILTER_GROUP = 'paste.filter_factory'
SERVER_GROUP = 'paste.server_factory'

# Module holding the objects the stub distributions' entry points point at
# ("_pastedeploy_oracle_eggs:e0", ...); attributes are reset for every case.
EGG_MODULE = '_pastedeploy_oracle_eggs'

# PEP 508 distribution name; anything else cannot be an installed distribution.
_DIST_NAME_RE = re.compile(r'[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]', re.IGNORECASE)


class OracleError(Exception):
    """A failure of this harness, never of PasteDeploy."""


# ---------------------------------------------------------------------------
# What the stubs build, and how it is rendered (expr).
# ---------------------------------------------------------------------------

class App:
    def __init__(self, ref):
        self.ref = ref


class Filtered:
    def __init__(self, ref, app):
        self.ref = ref
        self.app = app


class Composite:
    def __init__(self, ref, children):
        self.ref = ref
        self.children = children


class Server:
    def __init__(self, ref):
        self.ref = ref


class PlaceholderApp:
    """The app a bare filter is applied to so that it can be rendered."""


class StubFilter:
    """What a paste.filter_factory stub returns: app -> Filtered(ref, app)."""

    def __init__(self, ref):
        self.ref = ref

    def __call__(self, app):
        return Filtered(self.ref, app)


_COMPOSED_QUALNAME = '_FilterWith.invoke.<locals>.composed'


def render(obj):
    """Render what PasteDeploy built as a one-line expression (README: expr grammar)."""
    if isinstance(obj, (App, Server)):
        return obj.ref
    if isinstance(obj, Filtered):
        return '%s(%s)' % (obj.ref, render(obj.app))
    if isinstance(obj, Composite):
        inner = ', '.join(
            '%s=%s' % (key, render(obj.children[key])) for key in sorted(obj.children)
        )
        return '%s{%s}' % (obj.ref, inner)
    if isinstance(obj, PlaceholderApp):
        return '<app>'
    if getattr(obj, '__qualname__', None) == _COMPOSED_QUALNAME:
        # Spec Q1: filter-with around a non-APP context yields a bare function.
        return '<composed-filter>'
    return '<unknown:%s>' % getattr(obj, '__qualname__', type(obj).__name__)


# ---------------------------------------------------------------------------
# Stack inspection: the stubs learn how PasteDeploy is using them.
# ---------------------------------------------------------------------------

_LOOKUP_OBJECT_CODE = pd_util.lookup_object.__code__
_ENTRY_POINT_LOAD_CODE = importlib.metadata.EntryPoint.load.__code__
_FIND_EGG_ENTRY_POINT_CODE = loadwsgi.EggLoader.find_egg_entry_point.__code__
_SECTION_CODES = frozenset(
    f.__code__
    for f in (
        loadwsgi.ConfigLoader.get_context,
        loadwsgi.ConfigLoader._context_from_use,
        loadwsgi.ConfigLoader._pipeline_app_context,
        loadwsgi.ConfigLoader._filter_app_context,
    )
)


def _codes_within(code):
    """code and every code object nested in it (closures such as filter_wrapper)."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes_within(const)


# Code of the _ObjectType.invoke methods (and their wrapper closures) that call
# factories; each has the LoaderContext in a local or free variable "context".
_INVOKE_CODES = frozenset(
    code
    for object_type in (loadwsgi._ObjectType, loadwsgi._App, loadwsgi._Filter, loadwsgi._Server)
    for code in _codes_within(object_type.invoke.__code__)
)


def _frames(start):
    frame = start
    while frame is not None:
        yield frame
        frame = frame.f_back


def _import_started_by_pastedeploy():
    """True when the import in progress comes from call: or an explicit key/egg load."""
    return any(
        f.f_code is _LOOKUP_OBJECT_CODE or f.f_code is _ENTRY_POINT_LOAD_CODE
        for f in _frames(sys._getframe(2))
    )


def _attribute_via_call_scheme():
    """True when a stub-module attribute is fetched by lookup_object (call:)."""
    for f in _frames(sys._getframe(2)):
        if f.f_code is _LOOKUP_OBJECT_CODE:
            return True
        if f.f_code is _ENTRY_POINT_LOAD_CODE:
            return False
    return False


def _egg_request():
    """(object_type, entry name, using-section prefix or None) of the egg lookup in progress."""
    object_type = entry = None
    for f in _frames(sys._getframe(2)):
        if object_type is None:
            if f.f_code is _FIND_EGG_ENTRY_POINT_CODE:
                object_type = f.f_locals['object_type']
                entry = f.f_locals['name'] or 'main'
        elif f.f_code in _SECTION_CODES:
            section = f.f_locals.get('section')
            if isinstance(section, str):
                return object_type, entry, section.split(':', 1)[0]
    return object_type, entry, None


def _invoking_context(stub):
    """The LoaderContext whose object is being invoked (holds the protocol)."""
    for f in _frames(sys._getframe(2)):
        if f.f_code not in _INVOKE_CODES:
            continue
        ctx = f.f_locals.get('context')
        if isinstance(ctx, loadwsgi.LoaderContext) and ctx.object is stub:
            return ctx
    return None


# ---------------------------------------------------------------------------
# Stub factories.
# ---------------------------------------------------------------------------

class StubFactory:
    """One stub factory.  It serves every protocol; the protocol PasteDeploy
    invokes it with is read from the invoking LoaderContext.

    ``ref`` is what expr prints; ``target`` is "module:attr.path" (None for
    eggs); ``known`` is a Known (KNOWN_COMPOSITES) or None."""

    __slots__ = ('ref', 'target', 'known', '_case')

    def __init__(self, case, ref, target=None, known=None):
        self._case = case
        self.ref = ref
        self.target = target
        self.known = known if known is not None else KNOWN_COMPOSITES.get(target)

    def __getattr__(self, name):
        # Dotted attribute paths of explicit keys: mod:Obj.factory.
        if name.startswith('__') or not self.target or not name.isidentifier():
            raise AttributeError(name)
        target = self.target + '.' + name
        return StubFactory(self._case, self.ref + '.' + name, target)

    def __repr__(self):
        return '<stub %s>' % self.ref

    def __call__(self, *args, **local_conf):
        ctx = _invoking_context(self)
        if ctx is None:
            raise OracleError('stub %s called outside a PasteDeploy invoke' % self.ref)
        protocol = ctx.protocol
        if protocol in COMPOSITE_PROTOCOLS:
            loader, global_conf = args
        else:
            global_conf = args[-1]
        self._case.calls.append(
            {
                'ref': self.ref,
                'protocol': protocol,
                'local_conf': dict(local_conf),
                'global_conf': dict(global_conf),
            }
        )
        if self.known is not None and protocol not in COMPOSITE_PROTOCOLS:
            # The real composite factories take (loader, global_conf, **local).
            if len(args) < 2:
                raise TypeError(
                    "%s() missing 1 required positional argument: 'global_conf'"
                    % self.known.func
                )
            self._case.note('%s invoked as %s; treated as that protocol' % (self.ref, protocol))
        if protocol == 'paste.app_factory':
            return App(self.ref)
        if protocol in COMPOSITE_PROTOCOLS:
            return self._composite(loader, global_conf, local_conf)
        if protocol == 'paste.filter_factory':
            return StubFilter(self.ref)
        if protocol == 'paste.filter_app_factory':
            return Filtered(self.ref, args[0])
        if protocol in ('paste.server_factory', 'paste.server_runner'):
            return Server(self.ref)
        raise OracleError('stub %s invoked with unknown protocol %r' % (self.ref, protocol))

    def _composite(self, loader, global_conf, local_conf):
        known = self.known
        if known is None:
            children = {}  # an unknown composite: its children cannot be known
        elif known.kind == 'urlmap':
            local_conf = {k: v for k, v in local_conf.items() if k not in known.drop}
            children = _urlmap_children(loader, global_conf, local_conf)
        elif known.kind == 'cascade':
            children = _cascade_children(loader, global_conf, local_conf)
        else:
            children = _selector_children(loader, global_conf, local_conf, known)
        return Composite(self.ref, children)


# --- known composites: child resolution like the real implementations ------

_NORM_URL_RE = re.compile('//+')
_DOMAIN_URL_RE = re.compile('^(http|https)://')


def _urlmap_key(key):
    """paste.urlmap.parse_path_expression + URLMap.normalize_url (Paste 3.5.2)."""
    parts = key.split()
    domain = port = path = None
    while parts:
        if parts[0] == 'domain':
            parts.pop(0)
            if not parts:
                raise ValueError("'domain' must be followed with a domain name")
            if domain:
                raise ValueError("'domain' given twice")
            domain = parts.pop(0)
        elif parts[0] == 'port':
            parts.pop(0)
            if not parts:
                raise ValueError("'port' must be followed with a port number")
            if port:
                raise ValueError("'port' given twice")
            port = parts.pop(0)
        else:
            if path:
                raise ValueError(
                    'more than one path given (have %r, got %r)' % (path, parts[0])
                )
            path = parts.pop(0)
    url = ''
    if domain:
        url = 'http://%s' % domain
    if port:
        if not domain:
            raise ValueError('If you give a port, you must also give a domain')
        url += ':' + port
    if path:
        if url:
            url += '/'
        url += path
    if not (not url or url.startswith('/') or _DOMAIN_URL_RE.search(url)):
        raise AssertionError(
            'URL fragments must start with / or http:// (you gave %r)' % url
        )
    match = _DOMAIN_URL_RE.search(url)
    if match:
        url = url[match.end():]
        if '/' in url:
            domain, url = url.split('/', 1)
            url = '/' + url
        else:
            domain, url = url, ''
    else:
        domain = None
    return domain, _NORM_URL_RE.sub('/', url).rstrip('/')


def _urlmap_children(loader, global_conf, local_conf):
    """paste.urlmap.urlmap_factory: children keyed as written in the file."""
    local_conf = dict(local_conf)
    if 'not_found_app' in local_conf:
        not_found_app = local_conf.pop('not_found_app')
    else:
        not_found_app = global_conf.get('not_found_app')
    children = {}
    if not_found_app:
        children['not_found_app'] = loader.get_app(not_found_app, global_conf=global_conf)
    written_by_url = {}
    for key, app_name in local_conf.items():
        url = _urlmap_key(key)
        app = loader.get_app(app_name, global_conf=global_conf)
        # URLMap.__setitem__: a key normalising like an earlier one replaces it.
        if url in written_by_url:
            del children[written_by_url[url]]
        written_by_url[url] = key
        children[key] = app
    return children


def _cascade_children(loader, global_conf, local_conf):
    """paste.cascade.make_cascade: every key but catch must start with 'app'."""
    local_conf = dict(local_conf)
    catch = local_conf.pop('catch', '404')
    children = {}
    for name, value in local_conf.items():
        if not name.startswith('app'):
            raise ValueError(
                "Bad configuration key %r (=%r); all configuration keys "
                "must start with 'app'" % (name, value)
            )
        children[name] = loader.get_app(value, global_conf=global_conf)
    for code in catch.split():  # Cascade.__init__ converts the codes after loading
        int(code)
    return children


def _selector_children(loader, global_conf, local_conf, known):
    """nova/neutron/glance-style pipeline_factory: {strategy: built pipeline}."""
    strategy = global_conf.get(known.key, known.default)
    if known.empty_is_default and not strategy:
        strategy = known.default
    pipeline = local_conf[strategy].split()
    filters = [loader.get_filter(name) for name in pipeline[:-1]]
    app = loader.get_app(pipeline[-1])
    for filt in reversed(filters):
        app = filt(app)
    return {strategy: app}


# ---------------------------------------------------------------------------
# Per-case state and the finder.
# ---------------------------------------------------------------------------

def _normalize_dist(name):
    return re.sub(r'[-_.]+', '-', name).lower()


class _StubDistribution(importlib.metadata.Distribution):
    """A fake installed distribution; entry points are decided on demand."""

    def __init__(self, case, written):
        self._case = case
        self._written = written

    def read_text(self, filename):
        if filename == 'METADATA':
            return 'Metadata-Version: 2.1\nName: %s\nVersion: 0.0.0\n' % self._written
        return None

    def locate_file(self, path):
        return pathlib.PurePosixPath('/nonexistent-pastedeploy-oracle', path)

    @property
    def entry_points(self):
        return self._case.entry_points(self._written)


class _StubModuleLoader:
    def __init__(self, case):
        self._case = case

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        name = module.__name__
        case = self._case

        def __getattr__(attr):
            if attr.startswith('__') or not attr.isidentifier():
                raise AttributeError('module %r has no attribute %r' % (name, attr))
            target = '%s:%s' % (name, attr)
            ref = 'call:' + target if _attribute_via_call_scheme() else target
            return StubFactory(case, ref, target)

        module.__getattr__ = __getattr__
        case.created_modules.append(name)


class Case:
    """Stub state of one request; discarded (and undone) afterwards."""

    def __init__(self, eggs_module):
        self.eggs_module = eggs_module
        self.created_modules = []
        self.calls = []
        self.notes = []
        # (normalized dist, entry) -> entry-point groups, in the order chosen
        self._egg_groups = {}
        # (dist as written, entry, group) -> attribute of the eggs module
        self._egg_attrs = {}

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)

    def _egg_attr(self, written, entry, group):
        """Attribute of EGG_MODULE holding the stub for egg:written#entry in group.

        There is one stub per spelling of the distribution name, so that the
        ref shows the name as written in the file."""
        key = (written, entry, group)
        if key not in self._egg_attrs:
            attr = 'e%d' % len(self._egg_attrs)
            known = KNOWN_COMPOSITES.get(('egg', _normalize_dist(written), entry))
            stub = StubFactory(self, 'egg:%s#%s' % (written, entry), known=known)
            setattr(self.eggs_module, attr, stub)
            self._egg_attrs[key] = attr
        return self._egg_attrs[key]

    def entry_points(self, written):
        """Entry points of fake distribution ``written`` for the lookup in progress.

        FILTER lookups get a paste.filter_factory entry, SERVER lookups a
        paste.server_factory one.  APP lookups get paste.composite_factory for
        known composites (Paste#urlmap, Paste#cascade) or when the using
        section is [composite:]/[composit:], else paste.app_factory; the first
        choice for a (distribution, entry) sticks for the rest of the case, as
        one name cannot be in two APP groups without being ambiguous."""
        object_type, entry, prefix = _egg_request()
        if object_type is None:
            return []
        norm = _normalize_dist(written)
        groups = self._egg_groups.setdefault((norm, entry), [])
        if object_type is loadwsgi.APP:
            if ('egg', norm, entry) in KNOWN_COMPOSITES or prefix in ('composite', 'composit'):
                wanted = COMPOSITE_GROUP
            else:
                wanted = APP_GROUP
            have = [g for g in groups if g in (APP_GROUP, COMPOSITE_GROUP)]
            if not have:
                groups.append(wanted)
            elif have[0] != wanted:
                self.note(
                    'egg:%s#%s kept as %s (first use); also wanted as %s'
                    % (written, entry, have[0], wanted)
                )
        elif object_type is loadwsgi.FILTER and FILTER_GROUP not in groups:
            groups.append(FILTER_GROUP)
        elif object_type is loadwsgi.SERVER and SERVER_GROUP not in groups:
            groups.append(SERVER_GROUP)
        return [
            importlib.metadata.EntryPoint(
                name=entry,
                value='%s:%s' % (EGG_MODULE, self._egg_attr(written, entry, group)),
                group=group,
            )
            for group in groups
        ]

    def cleanup(self):
        for attr in [a for a in vars(self.eggs_module) if re.fullmatch(r'e\d+', a)]:
            delattr(self.eggs_module, attr)
        for name in reversed(self.created_modules):
            module = sys.modules.pop(name, None)
            parent_name, _, child = name.rpartition('.')
            parent = sys.modules.get(parent_name) if parent_name else None
            if parent is not None and module is not None and vars(parent).get(child) is module:
                delattr(parent, child)


class _StubFinder:
    """sys.meta_path[0]: stub modules and stub distributions for the active case."""

    def __init__(self):
        self.case = None

    def find_spec(self, fullname, path=None, target=None):
        case = self.case
        if case is None:
            return None
        if not all(part.isidentifier() for part in fullname.split('.')):
            return None  # cannot be a real module either
        if not _import_started_by_pastedeploy():
            return None
        return importlib.machinery.ModuleSpec(
            fullname, _StubModuleLoader(case), is_package=True
        )

    def find_distributions(self, context=importlib.metadata.DistributionFinder.Context()):
        case = self.case
        name = context.name
        if case is None or name is None or not _DIST_NAME_RE.fullmatch(name):
            return iter(())
        return iter((_StubDistribution(case, name),))


_FINDER = _StubFinder()


def _install():
    sys.setrecursionlimit(RECURSION_LIMIT)
    eggs = types.ModuleType(EGG_MODULE)
    sys.modules[EGG_MODULE] = eggs
    sys.meta_path.insert(0, _FINDER)
    return eggs


# ---------------------------------------------------------------------------
# Running one request.
# ---------------------------------------------------------------------------

_KINDS = {'app': loadwsgi.APP, 'filter': loadwsgi.FILTER, 'server': loadwsgi.SERVER}
_LOADERS = {'app': loadwsgi.loadapp, 'filter': loadwsgi.loadfilter, 'server': loadwsgi.loadserver}


def _check_request(req):
    if not isinstance(req, dict):
        raise OracleError('request must be a JSON object')
    path = req.get('file')
    if not isinstance(path, str) or not path:
        raise OracleError('request needs "file"')
    name = req.get('name')
    if name is not None and not isinstance(name, str):
        raise OracleError('"name" must be a string or null')
    kind = req.get('kind') or 'app'
    if kind not in _KINDS:
        raise OracleError('"kind" must be app, filter or server')
    mode = req.get('mode') or 'config'
    if mode not in ('config', 'expr'):
        raise OracleError('"mode" must be config or expr')
    global_conf = req.get('global')
    if global_conf is not None and not (
        isinstance(global_conf, dict)
        and all(isinstance(v, str) for v in global_conf.values())
    ):
        raise OracleError('"global" must be an object of strings')
    return path, name, kind, mode, global_conf


def _load(case, path, name, kind, mode, global_conf):
    # PasteDeploy splits the URI at '#' and then percent-decodes the path, so
    # escape both to open exactly this file.
    uri = 'config:' + os.path.abspath(path).replace('%', '%25').replace('#', '%23')
    if mode == 'config':
        ctx = loadwsgi.loadcontext(_KINDS[kind], uri, name=name, global_conf=global_conf)
        return {'local_conf': dict(ctx.local_conf), 'global_conf': dict(ctx.global_conf)}
    obj = _LOADERS[kind](uri, name=name, global_conf=global_conf)
    if kind == 'filter':
        obj = obj(PlaceholderApp())  # a filter renders as applied to <app>
    elif kind == 'server' and not isinstance(obj, Server) and callable(obj):
        obj = obj(PlaceholderApp())  # paste.server_runner: PasteDeploy's wrapper
    return {'expr': render(obj), 'calls': case.calls}


def run_request(req, eggs_module, want_traceback=False):
    """Run one request in a fresh stub state; always returns a result dict."""
    result = {}
    if isinstance(req, dict) and 'id' in req:
        result['id'] = req['id']
    case = Case(eggs_module)
    try:
        args = _check_request(req)
        _FINDER.case = case
        result.update(_load(case, *args))
    except Exception as exc:  # includes RecursionError
        try:
            message = str(exc)
        except Exception:
            message = repr(exc)
        result['error'] = {'type': type(exc).__name__, 'message': message}
        if want_traceback or (isinstance(req, dict) and req.get('traceback')):
            result['error']['traceback'] = traceback.format_exc()
    finally:
        _FINDER.case = None
        case.cleanup()
    if case.notes:
        result['notes'] = case.notes
    return result


def _emit(result):
    sys.stdout.write(json.dumps(result) + '\n')
    sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--file', help='paste config file')
    parser.add_argument('--name', default=None, help='section name (default: main)')
    parser.add_argument('--kind', choices=sorted(_KINDS), default='app')
    parser.add_argument('--mode', choices=('config', 'expr'), default='config')
    parser.add_argument(
        '--global', dest='global_conf', action='append', default=[], metavar='K=V',
        help='global_conf entry (repeatable)',
    )
    parser.add_argument('--batch', action='store_true', help='read JSON requests from stdin, one per line')
    parser.add_argument('--traceback', action='store_true', help='add tracebacks to errors')
    opts = parser.parse_args(argv)
    eggs = _install()

    if opts.batch:
        while True:
            line = sys.stdin.readline()
            if not line:
                break
            if not line.strip():
                continue
            try:
                req = json.loads(line)
            except ValueError as exc:
                _emit({'error': {'type': 'OracleError', 'message': 'bad JSON request: %s' % exc}})
                continue
            _emit(run_request(req, eggs, opts.traceback))
        return 0

    if not opts.file:
        parser.error('--file is required (or use --batch)')
    global_conf = {}
    for item in opts.global_conf:
        key, sep, value = item.partition('=')
        if not sep:
            parser.error('--global wants K=V, got %r' % item)
        global_conf[key] = value
    req = {
        'file': opts.file, 'name': opts.name, 'kind': opts.kind, 'mode': opts.mode,
        'global': global_conf or None,
    }
    result = run_request(req, eggs, opts.traceback)
    _emit(result)
    return 1 if 'error' in result and result['error']['type'] == 'OracleError' else 0


if __name__ == '__main__':
    sys.exit(main())
