"use client";
// Rendered on the server from the snapshot, then hydrated in the browser: no WebAssembly.
import { Can, RolegateProvider } from "rolegate/react";

export default function Toolbar({ snapshot }) {
  return (
    <RolegateProvider snapshot={snapshot}>
      <Can action="campaign.create" resource="org" locked={(d) => <button disabled title={d.hint}>New campaign</button>}>
        <button>New campaign</button>
      </Can>
      <Can action="sms.configure" resource="org" fallback={<p>SMS settings are for Org Admins</p>}>
        <a href="/settings/sms">SMS settings</a>
      </Can>
    </RolegateProvider>
  );
}
