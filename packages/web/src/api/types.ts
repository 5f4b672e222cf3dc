export interface Organization {
  id: string;
  name: string;
  role: string;
}

export interface LatestHealth {
  cpu_percent: number;
  memory_percent: number;
  disk_percent: number;
  reported_at: string;
}

export interface ProjectSummary {
  id: string;
  name: string;
  status: string;
  health_status: string;
  region: string;
  vm_size: string;
  status_reason: string | null;
  last_report_at: string | null;
  latest_health: LatestHealth | null;
  created_at: string;
}

export interface ProjectDetail extends ProjectSummary {
  organization_id: string;
  organization_name: string;
  transition_deadline: string | null;
  pending_approvals: number;
}

export interface ActivityEntry {
  id: number;
  action: string;
  details: Record<string, unknown>;
  user_email: string | null;
  created_at: string;
}

export interface Overview {
  project: ProjectDetail;
  recent_activity: ActivityEntry[];
}

export const TRANSITIONAL = [
  "provisioning",
  "starting",
  "stopping",
  "deleting",
];
