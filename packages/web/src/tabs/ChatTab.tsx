import { useState } from "react";
import { Empty, ErrorText, MoreButton, formatTime } from "../components/common";
import { usePaged } from "../hooks/usePaged";

interface Message {
  id: number;
  agent: string;
  role: string;
  content: string;
  sent_at: string;
}

export function ChatTab({ projectId }: { projectId: string }) {
  const [agent, setAgent] = useState("");
  const all = usePaged<Message>("messages", {
    project_id: projectId,
    limit: 100,
  });
  const agents = [...new Set(all.items.map((m) => m.agent))].sort();
  const shown = usePaged<Message>("messages", {
    project_id: projectId,
    ...(agent ? { agent } : {}),
  });

  return (
    <section>
      <h2>Agent messages</h2>
      <label>
        Agent{" "}
        <select value={agent} onChange={(e) => setAgent(e.target.value)}>
          <option value="">All agents</option>
          {agents.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <ErrorText error={shown.error ?? all.error} />
      <Empty when={!shown.loading && shown.items.length === 0}>
        No messages yet.
      </Empty>
      <ol className="chat">
        {shown.items.map((m) => (
          <li key={m.id} className={`message role-${m.role}`}>
            <div className="meta">
              <strong>{m.agent}</strong> · {m.role} · {formatTime(m.sent_at)}
            </div>
            <p>{m.content}</p>
          </li>
        ))}
      </ol>
      <MoreButton
        hasMore={shown.hasMore}
        loading={shown.loading}
        onClick={shown.loadMore}
      />
      <button type="button" onClick={shown.reload}>
        Refresh
      </button>
    </section>
  );
}
