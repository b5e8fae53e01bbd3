import type { FleetHost } from '@pidscope/protocol';
import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  App,
  replaceFiltersUrl,
  replaceFocusUrl,
  replaceMomentUrl,
  replaceSelectionUrl,
} from '../../App.js';
import { useStable } from '../../hooks/useStable.js';
import { streamUrl } from '../../net/connection.js';
import { readFilters, readFocus, readSelection, type Selection } from '../../net/session.js';
import { readMoment } from '../history/index.js';
import { FleetOverview } from './FleetOverview.js';
import { worstFirst } from './fleetState.js';
import { hostApiRoot, readHost, withHost } from './fleetUrl.js';
import { HostSwitcher } from './HostSwitcher.js';
import { fleetStreamUrl, useFleet } from './useFleet.js';
import './fleet.css';

const sameInSwitcher = (a: FleetHost, b: FleetHost) =>
  a.id === b.id && a.hostname === b.hostname && a.status === b.status;

/**
 * The page a hub serves: the fleet overview, or one host's tree (today's dashboard, through the
 * hub) when the URL names it (`?host=<id>`). Back and forward move between them.
 */
export function FleetApp() {
  const [href, setHref] = useState(() => window.location.href);
  const fleet = useFleet(useMemo(() => fleetStreamUrl(window.location), []));
  useEffect(() => {
    const onPop = () => setHref(window.location.href);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const open = useCallback((id: string | null, selection: Selection | null = null) => {
    const next = withHost(window.location.href, id, selection);
    window.history.pushState(null, '', next);
    setHref(next);
  }, []);
  const host = readHost(href);
  const hosts = useMemo(() => worstFirst(fleet.hosts), [fleet.hosts]);
  // Hosts send a message about every second each; the switcher shows only their names and
  // statuses, so the dashboard of the host open (the same element) is not drawn again for each.
  const switched = useStable(hosts, sameInSwitcher);
  const dashboard = useMemo(() => {
    if (host === null) return null;
    const root = hostApiRoot(host);
    return (
      <App
        key={host}
        apiRoot={root}
        streamUrl={streamUrl(window.location, root)}
        initialSelection={readSelection(href)}
        onSelectionUrl={replaceSelectionUrl}
        initialMoment={readMoment(href)}
        onMomentUrl={replaceMomentUrl}
        initialFocus={readFocus(href)}
        onFocusUrl={replaceFocusUrl}
        initialFilters={readFilters(href)}
        onFiltersUrl={replaceFiltersUrl}
        staggerFrames={3}
        switcher={<HostSwitcher hosts={switched} current={host} onOpen={(id) => open(id)} />}
      />
    );
  }, [host, href, switched, open]);
  return dashboard ?? <FleetOverview fleet={fleet} onOpen={open} />;
}
