/**
 * The product catalog as the rules see it: what each product (SKU) contains and the rules between its
 * service plans. The catalog is data the operator owns (shared/catalog: a store of versions, a cache, the
 * importer of Microsoft's table); what the rules receive is an immutable snapshot of one version, a
 * `Catalog`, passed in as an argument: rules never fetch it. The rules are served through the API
 * (subscribedSkus' servicePlans), so a portal can grey out a toggle before the admin clicks it.
 */

/** A service plan's rules: data of the catalog, set by the operator (PATCH /catalog/servicePlans/{id}, a rules document). */
export interface PlanRules {
  /** Plans that cannot be enabled for the same user at the same time as this one. */
  conflictsWith: string[];
  /** This plan needs at least one of these plans enabled for the user (in any product). */
  dependsOn: string[];
  /** Two-letter usage locations where the plan is not offered. */
  notOfferedIn: string[];
  /**
   * Information only: comes with the product on its own, no separate assignment needed. It can still be
   * switched off through disabledPlans like any other plan (Microsoft's own examples disable SWAY that way).
   */
  isAutoAssigned: boolean;
  /** Apps this plan gives, for auto-claim (`Teams`): a user "has the app" when a product gives one of its plans, enabled. */
  apps: string[];
}

export const NO_RULES: Readonly<PlanRules> = Object.freeze({ conflictsWith: [], dependsOn: [], notOfferedIn: [], isAutoAssigned: false, apps: [] });

export type AppliesTo = 'User' | 'Company';

/** A plan as a product lists it (its name as that product's row of Microsoft's table gives it). */
export interface StoredPlan {
  servicePlanId: string;
  servicePlanName: string;
  displayName: string;
  appliesTo: AppliesTo;
  /** When the plan was added to a product that already existed (null: it came with the product). */
  addedDateTime: string | null;
}

/** One product as the catalog stores it. */
export interface StoredProduct {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
  appliesTo: AppliesTo;
  /** false: no new purchases (existing subscriptions keep working). */
  isSellable: boolean;
  /** Clouds the product is sold in (AzureCloud, AzureUSGovernment, AzureChinaCloud). */
  clouds: string[];
  /** `microsoft`: from an import of Microsoft's table (a replace import may remove it); `operator`: the operator's own (PUT). */
  source: 'microsoft' | 'operator';
  servicePlans: StoredPlan[];
}

/** The whole catalog of one version: products (by skuId) and the plans' rules (plans without rules have none here). */
export interface CatalogContent {
  products: StoredProduct[];
  planRules: Record<string, PlanRules>;
}

/** A plan of a product with its rules: what the licensing rules and the views read. */
export interface ServicePlanDefinition extends StoredPlan, Omit<PlanRules, 'apps'> {}

export interface ProductDefinition extends Omit<StoredProduct, 'servicePlans'> {
  servicePlans: ServicePlanDefinition[];
}

/**
 * One version of the catalog, immutable, with the lookups the rules need (product by skuId or part
 * number, plan by id, names, the plans that give an app). Built once per version by the cache; cheap to
 * pass around.
 */
export class Catalog {
  private readonly bySkuId = new Map<string, ProductDefinition>();
  private readonly byPartNumber = new Map<string, ProductDefinition>();
  private readonly planById = new Map<string, ServicePlanDefinition>();
  private readonly appPlanIds = new Map<string, string[]>();
  private readonly products: readonly ProductDefinition[];

  constructor(
    readonly content: CatalogContent,
    /** The catalog version (0: nothing published yet). */
    readonly version = 0,
  ) {
    this.products = content.products.map((p) => ({
      ...p,
      servicePlans: p.servicePlans.map((s) => {
        const { conflictsWith, dependsOn, notOfferedIn, isAutoAssigned } = content.planRules[s.servicePlanId] ?? NO_RULES;
        return { ...s, conflictsWith, dependsOn, notOfferedIn, isAutoAssigned };
      }),
    }));
    for (const p of this.products) {
      this.bySkuId.set(p.skuId, p);
      // Microsoft's table has part numbers two products share: the first by skuId answers
      if (!this.byPartNumber.has(p.skuPartNumber.toUpperCase())) this.byPartNumber.set(p.skuPartNumber.toUpperCase(), p);
      for (const s of p.servicePlans) if (!this.planById.has(s.servicePlanId)) this.planById.set(s.servicePlanId, s);
    }
    for (const [planId, rules] of Object.entries(content.planRules))
      for (const app of rules.apps) this.appPlanIds.set(app, [...(this.appPlanIds.get(app) ?? []), planId]);
  }

  all(): readonly ProductDefinition[] {
    return this.products;
  }
  product(skuId: string): ProductDefinition | undefined {
    return this.bySkuId.get(skuId.toLowerCase());
  }
  /** A product's name for messages and reports; `fallback` (its id unless given) for one the catalog does not know. */
  productName(skuId: string, fallback = skuId): string {
    return this.product(skuId)?.displayName ?? fallback;
  }
  productByPartNumber(part: string): ProductDefinition | undefined {
    return this.byPartNumber.get(part.toUpperCase());
  }
  plan(servicePlanId: string): ServicePlanDefinition | undefined {
    return this.planById.get(servicePlanId.toLowerCase());
  }
  planName(servicePlanId: string): string {
    return this.plan(servicePlanId)?.displayName ?? servicePlanId;
  }
  /** A plan's rules (none for a plan without any). */
  rules(servicePlanId: string): Readonly<PlanRules> {
    return this.content.planRules[servicePlanId.toLowerCase()] ?? NO_RULES;
  }
  /** The apps an auto-claim policy may name. */
  apps(): string[] {
    return [...this.appPlanIds.keys()].sort();
  }
  /** The service plans that give an app (empty for an app the catalog does not know). */
  appPlans(app: string): readonly string[] {
    return this.appPlanIds.get(app) ?? [];
  }
}

export const EMPTY_CATALOG = new Catalog({ products: [], planRules: {} }, 0);
