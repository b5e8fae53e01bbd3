import { type Container, type Host, NAMESPACE_KINDS } from '@pidscope/protocol';
import { shortId } from '../model/keys.js';

/** Who else is in the namespace `inode` of kind `kind`: the host, and containers by name. */
function sharers(
  kind: 'pid' | (typeof NAMESPACE_KINDS)[number],
  inode: number | null,
  self: Container,
  containers: ReadonlyMap<string, Container>,
  host: Host | null,
): string[] {
  if (inode === null) return [];
  const out: string[] = [];
  const hostInode = kind === 'pid' ? host?.pidNamespace : host?.namespaces[kind];
  if (hostInode === inode) out.push('the host');
  for (const c of containers.values()) {
    if (c.id === self.id) continue;
    const theirs = kind === 'pid' ? c.pidNamespace : c.namespaces[kind];
    if (theirs === inode) out.push(c.name || shortId(c.id));
  }
  return out;
}

/** A container's namespaces, each with its inode and who shares it ([S9]). */
export function NamespaceTable({
  container: c,
  containers,
  host,
}: {
  container: Container;
  containers: ReadonlyMap<string, Container>;
  host: Host | null;
}) {
  const rows = [
    ['pid', c.pidNamespace] as const,
    ...NAMESPACE_KINDS.map((k) => [k, c.namespaces[k]] as const),
  ];
  return (
    <table className="threads-table" data-testid="namespaces">
      <thead>
        <tr>
          <th scope="col">namespace</th>
          <th scope="col">inode</th>
          <th scope="col">shared with</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([kind, inode]) => {
          const with_ = sharers(kind, inode, c, containers, host);
          return (
            <tr key={kind} data-ns={kind}>
              <td>{kind}</td>
              <td>{inode ?? '—'}</td>
              <td>{with_.length ? with_.join(', ') : 'no one'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
