// The contract's walkthrough, from a client generated out of the served OpenAPI document (openapi-typescript) and
// called with openapi-fetch, as a storefront team would. tsc type-checks it against the generated `paths` first,
// so an undeclared parameter or an untyped problem fails before anything runs. Run by Kit/GeneratedClientTests.
import { test } from "node:test";
import assert from "node:assert/strict";
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type ProblemCode = components["schemas"]["ProblemCode"];

const baseUrl = need("FLASHSALE_URL");
const admin = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${need("FLASHSALE_ADMIN_KEY")}` } });
const storefront = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${need("FLASHSALE_STOREFRONT_KEY")}` } });

function need(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is not set`);
  return value;
}

test("a buyer claims the last unit, replays the claim, sees it paid, and the next buyer is told sold_out", async () => {
  const now = Date.now();
  const created = await admin.POST("/admin/sales", {
    headers: { "Idempotency-Key": `kit-${now}-${Math.random()}` },
    body: {
      sku: "SKU-42", name: "Limited sneaker", stock: 1, priceCents: 12900, currency: "usd",
      startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 30 * 60_000).toISOString(), perUserLimit: 1,
    },
  });
  assert.equal(created.response.status, 201);
  assert.ok(created.data);
  const saleId = created.data.saleId;
  assert.equal(created.data.status, "scheduled");

  const preloaded = await admin.POST("/admin/sales/{saleId}/preload", { params: { path: { saleId } } });
  assert.equal(preloaded.response.status, 200);

  const userId = `kit-buyer-${now}`;
  const claim = { userId, quantity: 1, paymentMethodId: "pm_card_visa" };
  const first = await storefront.POST("/sales/{saleId}/claims", { params: { path: { saleId } }, body: claim });
  assert.equal(first.response.status, 202);
  assert.ok(first.data);
  assert.equal(first.data.status, "admitted");
  const claimId = first.data.claimId;
  assert.equal(first.data.statusUrl, `/sales/${saleId}/claims/${claimId}`);

  // A retry of the same claim is the contract's replay: the same claim, 200, no second unit.
  const replay = await storefront.POST("/sales/{saleId}/claims", { params: { path: { saleId } }, body: claim });
  assert.equal(replay.response.status, 200);
  assert.equal(replay.data?.claimId, claimId);

  const deadline = Date.now() + 30_000;
  let status: components["schemas"]["ClaimResponse"]["status"] | undefined;
  while (Date.now() < deadline) {
    const polled = await storefront.GET("/sales/{saleId}/claims/{claimId}", { params: { path: { saleId, claimId } } });
    assert.equal(polled.response.status, 200);
    status = polled.data?.status;
    if (status === "paid") {
      assert.ok(polled.data?.orderId, "a paid claim carries its order id");
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(status, "paid", "the claim is paid within 30 s");

  const late = await storefront.POST("/sales/{saleId}/claims", {
    params: { path: { saleId } }, body: { userId: `${userId}-late`, quantity: 1, paymentMethodId: "pm_card_visa" },
  });
  assert.equal(late.response.status, 409);
  assert.equal(late.response.headers.get("content-type"), "application/problem+json");
  assert.ok(late.error);
  // Typed by the document: the code is one of the contract's, not any string.
  const code: ProblemCode = late.error.code;
  assert.equal(code, "sold_out");
  assert.equal(late.error.status, 409);
});

test("a problem without a key is a typed 401", async () => {
  const anonymous = createClient<paths>({ baseUrl });
  const refused = await anonymous.GET("/sales/{saleId}/claims/{claimId}", { params: { path: { saleId: "sale_x", claimId: "clm_x" } } });
  assert.equal(refused.response.status, 401);
  const code: ProblemCode | undefined = refused.error?.code;
  assert.equal(code, "unauthorized");
});
