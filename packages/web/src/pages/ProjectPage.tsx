import { useEffect, useState } from "react";
import { useApi } from "../api/context";
import { TRANSITIONAL, type Overview as OverviewData } from "../api/types";
import { ErrorText, Loading, StatusBadge } from "../components/common";
import { useLoad } from "../hooks/useLoad";
import { organizationHref, projectHref, TABS, type Tab } from "../router";
import { ApprovalsTab } from "../tabs/ApprovalsTab";
import { ChatTab } from "../tabs/ChatTab";
import { CommandsTab } from "../tabs/CommandsTab";
import { HealthTab } from "../tabs/HealthTab";
import { LogsTab } from "../tabs/LogsTab";
import { MetricsTab } from "../tabs/MetricsTab";
import { Overview } from "../tabs/Overview";

const TAB_NAMES: Record<Tab, string> = {
  overview: "Overview",
  health: "Health",
  chat: "Chat",
  approvals: "Approvals",
  commands: "Commands",
  logs: "Logs",
  metrics: "Metrics",
};

export function ProjectPage({
  projectId,
  tab,
}: {
  projectId: string;
  tab: Tab;
}) {
  const api = useApi();
  const [moving, setMoving] = useState(false);
  const live = useLoad(
    () => api.dashboard<OverviewData>("project", { project_id: projectId }),
    projectId,
    moving ? 1_500 : 10_000,
  );
  const data = live.data;
  const project = data?.project;
  useEffect(() => {
    setMoving(TRANSITIONAL.includes(project?.status ?? ""));
  }, [project?.status]);

  if (!data)
    return (
      <section>
        <p>
          <a href="#/">← All projects</a>
        </p>
        <ErrorText error={live.error} />
        <Loading when={!live.error} />
      </section>
    );
  return (
    <section>
      <p>
        <a href={organizationHref(project!.organization_id)}>
          ← {project!.organization_name}
        </a>
      </p>
      <h1>
        {project!.name} <StatusBadge value={project!.status} />
      </h1>
      <nav aria-label="Project sections" className="tabs">
        {TABS.map((name) => (
          <a
            key={name}
            href={projectHref(projectId, name)}
            aria-current={name === tab ? "page" : undefined}
          >
            {TAB_NAMES[name]}
            {name === "approvals" && project!.pending_approvals > 0
              ? ` (${project!.pending_approvals})`
              : ""}
          </a>
        ))}
      </nav>
      <ErrorText error={live.error} />
      <TabBody
        tab={tab}
        projectId={projectId}
        data={data}
        onChange={live.reload}
      />
    </section>
  );
}

function TabBody(props: {
  tab: Tab;
  projectId: string;
  data: OverviewData;
  onChange: () => void;
}) {
  const { projectId } = props;
  switch (props.tab) {
    case "overview":
      return <Overview data={props.data} onChange={props.onChange} />;
    case "health":
      return <HealthTab projectId={projectId} />;
    case "chat":
      return <ChatTab projectId={projectId} />;
    case "approvals":
      return <ApprovalsTab projectId={projectId} onChange={props.onChange} />;
    case "commands":
      return <CommandsTab projectId={projectId} />;
    case "logs":
      return <LogsTab projectId={projectId} />;
    case "metrics":
      return <MetricsTab projectId={projectId} />;
  }
}
